using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Gateway.WebSockets;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Typing;

/// <summary>
/// Relays a user's typing signals to a room, members only, at most one per user and room per
/// <see cref="ChatWebSocketOptions.TypingThrottle"/> whichever channel (WebSocket frame or REST) and gateway instance
/// they come from. The limit lives in Redis as one key per (user, room) that expires with the interval, so its memory
/// is bounded by the users typing right now.
/// </summary>
internal sealed class TypingRelay(IChatService chat, IEphemeralSignals signals, IConnectionMultiplexer redis, IOptions<ChatWebSocketOptions> options)
{
    /// <summary>Publishes the signal, or returns how long the caller must wait when one was relayed within the interval.</summary>
    /// <exception cref="ChatException"><c>not_member</c>, or <c>room_not_found</c> for a room that does not exist.</exception>
    public async Task<TimeSpan?> RelayAsync(string user, string room, CancellationToken cancellationToken)
    {
        // Membership is checked on every signal: typing must not leak into rooms the user is not in.
        if (!await chat.IsMemberAsync(user, room, cancellationToken))
        {
            // Only the refusal pays for telling an unknown room (404) from a foreign one (403).
            await chat.GetMembersAsync(user, room, cancellationToken);
            throw new ChatException(ChatError.NotMember, $"You are not a member of '{room}'.");
        }

        var throttle = options.Value.TypingThrottle;
        if (throttle > TimeSpan.Zero)
        {
            var db = redis.GetDatabase();
            var key = (RedisKey)$"chat:typing:{user}:{room}";
            if (!await db.StringSetAsync(key, 1, throttle, When.NotExists).WaitAsync(cancellationToken))
            {
                var left = await db.KeyTimeToLiveAsync(key).WaitAsync(cancellationToken);
                return left is { } ttl && ttl > TimeSpan.Zero && ttl <= throttle ? ttl : throttle;
            }
        }

        await signals.PublishAsync(ChatEventTypes.Typing, room, user, ServerFrames.Typing(room, user), cancellationToken);
        return null;
    }
}
