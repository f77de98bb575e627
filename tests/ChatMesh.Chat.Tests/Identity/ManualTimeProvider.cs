namespace ChatMesh.Chat.Tests.Identity;

/// <summary>A clock the test sets by hand (shared with the webhook tests).</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
