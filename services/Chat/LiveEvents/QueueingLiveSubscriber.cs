namespace ChatMesh.Chat.LiveEvents;

/// <summary>The usual <see cref="ILiveSubscriber"/>: a user's connection whose events go into its <see cref="BoundedEventQueue"/>.</summary>
public sealed class QueueingLiveSubscriber(string userId, BoundedEventQueue queue) : ILiveSubscriber
{
    public string UserId { get; } = userId;

    public BoundedEventQueue Queue { get; } = queue;

    public void OnEvent(in LiveEvent liveEvent) => Queue.TryEnqueue(liveEvent);
}
