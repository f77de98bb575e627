using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>
/// A loopback port nobody listens on, for servers started by the tests, by the AppHost's own rule (<see cref="FreePorts"/>,
/// compiled in by a link: from below the kernel's ephemeral range, never one handed out twice in one process).
/// </summary>
internal static class FreePort
{
    public static int Next() => FreePorts.Take(1)[0];
}
