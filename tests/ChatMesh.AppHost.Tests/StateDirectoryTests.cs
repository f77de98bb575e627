using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.AppHost.Tests;

public sealed class StateDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("chatmesh-state-").FullName;

    [Fact]
    public void Two_apphosts_on_one_machine_get_different_slots()
    {
        using var first = StateDirectory.Acquire(_root);
        using var second = StateDirectory.Acquire(_root);

        Assert.NotEqual(first.Path, second.Path);
        Assert.NotEqual(first.Slot, second.Slot);
    }

    [Fact]
    public void A_released_slot_is_reused_with_its_secrets()
    {
        string secret;
        int slot;
        using (var first = StateDirectory.Acquire(_root))
        {
            secret = first.Secret("rabbitmq");
            slot = first.Slot;
        }

        using var again = StateDirectory.Acquire(_root);

        Assert.Equal(slot, again.Slot);
        Assert.Equal(secret, again.Secret("rabbitmq"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(again.Path, "rabbitmq.secret")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
