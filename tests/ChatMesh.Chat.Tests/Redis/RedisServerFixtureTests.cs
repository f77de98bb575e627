using System.Diagnostics;
using System.Globalization;
using ChatMesh.Chat.Tests.Infrastructure;

namespace ChatMesh.Chat.Tests.Redis;

/// <summary>
/// The start-up checks that let the fixtures retry on fresh ports: a server that lost its port is told apart from the
/// one that answers there, and a server that exited says why. Real redis-server processes, fighting over a real port.
/// </summary>
public sealed class RedisServerFixtureTests(RedisServerFixture redis)
{
    [Fact]
    public async Task A_port_answered_by_another_server_is_not_taken_for_ours()
    {
        // Ours, running on a port of its own, while the port asked about is the assembly's server.
        await using var ours = ServerProcess.Start(Server(FreePort.Next()));

        var refused = await Assert.ThrowsAsync<ServerStartException>(() => RedisServerFixture.ConnectToOwnAsync(ours, redis.Port));

        Assert.Contains($"port {redis.Port} is answered by another server", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_could_not_bind_its_port_is_reported_with_its_own_words()
    {
        await using var late = ServerProcess.Start(Server(redis.Port));
        using (var bound = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            bound.CancelAfter(TimeSpan.FromSeconds(20));
            await late.Process.WaitForExitAsync(bound.Token);
        }

        var refused = await Assert.ThrowsAsync<ServerStartException>(() => RedisServerFixture.ConnectToOwnAsync(late, redis.Port));

        Assert.Contains("exited with 1", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Address already in use", refused.Message, StringComparison.Ordinal);
    }

    private static ProcessStartInfo Server(int port) =>
        new("/usr/bin/redis-server", ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
}
