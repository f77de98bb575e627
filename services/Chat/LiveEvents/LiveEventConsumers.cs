using ChatMesh.Chat.Events;
using MassTransit;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Feeds logged events from this instance's live queue into the hub.</summary>
public sealed class ChatEventConsumer(LiveEventHub hub) : IConsumer<ChatEventPublished>
{
    public Task Consume(ConsumeContext<ChatEventPublished> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return hub.DeliverAsync(context.Message, context.CancellationToken).AsTask();
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
