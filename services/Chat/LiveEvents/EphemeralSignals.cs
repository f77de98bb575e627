using ChatMesh.Chat.Events;
using MassTransit;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Publishes typing and presence signals to every instance's live queue; never logged.</summary>
public sealed class EphemeralSignals(IBus bus) : IEphemeralSignals
{
    // A typing or presence signal older than this is noise; let the broker drop it from a lagging queue.
    private static readonly TimeSpan SignalTimeToLive = TimeSpan.FromSeconds(10);

    public Task PublishAsync(string type, string? room, string? user, ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        if (room is null && user is null)
        {
            throw new ArgumentException("A signal is addressed to a room or a user.", nameof(room));
        }
        var signal = new EphemeralSignalPublished(type, room, user, json.ToArray());
        return bus.Publish(signal, static context =>
        {
            // Nothing to recover after a broker restart: do not pay for persistence.
            context.Durable = false;
            context.TimeToLive = SignalTimeToLive;
        }, cancellationToken);
    }
}
