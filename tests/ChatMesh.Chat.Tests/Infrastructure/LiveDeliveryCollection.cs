namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>
/// The live delivery tests share one outbox stream, one publisher lease and the bus's fan-out exchanges, which are
/// global by design; they run one after another, each starting from an empty Redis.
/// </summary>
[CollectionDefinition(Name)]
public sealed class LiveDeliveryCollection
{
    public const string Name = "live-delivery";
}
