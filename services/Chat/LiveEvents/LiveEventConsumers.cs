using ChatMesh.Chat.Events;
using MassTransit;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Feeds batches of logged events (their live copy) from this instance's live queue into the hub.</summary>
public sealed class ChatEventBatchConsumer(LiveEventHub hub) : IConsumer<LiveEventBatchPublished>
{
    public Task Consume(ConsumeContext<LiveEventBatchPublished> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return hub.DeliverAsync(context.Message.Events, context.CancellationToken).AsTask();
    }
}

/// <summary>Feeds ephemeral signals from this instance's live queue into the hub.</summary>
public sealed class EphemeralSignalConsumer(LiveEventHub hub) : IConsumer<EphemeralSignalPublished>
{
    public Task Consume(ConsumeContext<EphemeralSignalPublished> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        hub.DeliverSignal(context.Message);
        return Task.CompletedTask;
    }
}
