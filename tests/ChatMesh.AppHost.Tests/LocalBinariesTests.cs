using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.AppHost.Tests;

public sealed class LocalBinariesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("chatmesh-bin-").FullName;

    [Fact]
    public void Missing_redis_server_fails_at_once_naming_the_package_to_install()
    {
        var error = Assert.Throws<MissingBinaryException>(() => LocalBinaries.ResolveRedisServer(null, pathVariable: _directory));

        Assert.Equal("redis-server", error.Package);
        Assert.Contains("apt-get install -y redis-server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_rabbitmq_server_at_a_configured_path_names_the_path_and_the_package()
    {
        var configured = Path.Combine(_directory, "rabbitmq-server");

        var error = Assert.Throws<MissingBinaryException>(() => LocalBinaries.ResolveRabbitMQServer(configured));

        Assert.Equal("rabbitmq-server", error.Package);
        Assert.Contains(configured, error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y rabbitmq-server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_executable_file_is_not_taken_for_the_server()
    {
        File.WriteAllText(Path.Combine(_directory, "redis-server"), "#!/bin/sh\n");

        Assert.Throws<MissingBinaryException>(() => LocalBinaries.ResolveRedisServer(null, pathVariable: _directory));
    }

    [Fact]
    public void An_executable_on_the_path_is_found()
    {
        var fake = Path.Combine(_directory, "redis-server");
        File.WriteAllText(fake, "#!/bin/sh\n");
        File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        Assert.Equal(fake, LocalBinaries.ResolveRedisServer(null, pathVariable: _directory));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
