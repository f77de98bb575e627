using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>Relays a connection's typing signals to the room, at most one per room per throttle interval, members only.</summary>
internal sealed class TypingRelay(ConnectionContext context)
{
    private readonly Dictionary<string, long> _lastSent = new(StringComparer.Ordinal);

    public async Task RelayAsync(string room, CancellationToken cancellationToken)
    {
        var now = context.Time.GetTimestamp();
        if (_lastSent.TryGetValue(room, out var last) && context.Time.GetElapsedTime(last, now) < context.Options.TypingThrottle)
        {
            return;
        }

        // Membership is checked on every signal: typing must not leak into rooms the user is not in.
        if (!await context.Chat.IsMemberAsync(context.UserId, room, cancellationToken))
        {
            throw new ChatException(ChatError.NotMember, $"You are not a member of '{room}'.");
        }

        _lastSent[room] = now;
        await context.Signals.PublishAsync(ChatEventTypes.Typing, room, context.UserId, ServerFrames.Typing(room, context.UserId), cancellationToken);
    }
}
