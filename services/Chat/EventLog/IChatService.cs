using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Rooms;

namespace ChatMesh.Chat.EventLog;

/// <summary>
/// Every read and write of the chat, used by every service that accepts input. Each write is one atomic Redis
/// script (membership, idempotency, id, log append, outbox append) and returns only once durable.
/// Refusals throw <see cref="ChatException"/>. <c>actor</c> is the authenticated user id.
/// </summary>
public interface IChatService
{
    Task<RoomSummary> CreateRoomAsync(string actor, string roomId, string name, RoomKind kind, string? topic, CancellationToken cancellationToken);

    Task<RoomSummary> OpenDirectAsync(string actor, string otherUser, CancellationToken cancellationToken);

    Task<CommitResult> JoinRoomAsync(string actor, string room, CancellationToken cancellationToken);

    Task<CommitResult> LeaveRoomAsync(string actor, string room, CancellationToken cancellationToken);

    Task<CommitResult> InviteAsync(string actor, string room, string invitee, CancellationToken cancellationToken);

    /// <summary>The owner makes a member a moderator (<see cref="RoomRole.Moderator"/>) or a moderator a member again.</summary>
    Task<CommitResult> SetRoleAsync(string actor, string room, string user, RoomRole role, CancellationToken cancellationToken);

    /// <summary>A moderator removes a member of a lower role (<c>member.left</c> with <c>reason: kicked</c>); they may join again.</summary>
    Task<CommitResult> KickAsync(string actor, string room, string user, CancellationToken cancellationToken);

    /// <summary>A moderator bans a user of a lower role: removed if a member, and refused on join and invite until unbanned.</summary>
    Task<CommitResult> BanAsync(string actor, string room, string user, CancellationToken cancellationToken);

    Task<CommitResult> UnbanAsync(string actor, string room, string user, CancellationToken cancellationToken);

    /// <summary>The users banned from a room (moderators only), sorted.</summary>
    Task<IReadOnlyList<string>> GetBansAsync(string actor, string room, CancellationToken cancellationToken);

    /// <summary>A moderator renames the room, sets its topic, makes it read-only or sets slow mode (one <c>room.updated</c>).</summary>
    Task<CommitResult> UpdateRoomAsync(string actor, string room, RoomChanges changes, CancellationToken cancellationToken);

    Task<RoomSummary> GetRoomAsync(string actor, string room, CancellationToken cancellationToken);

    Task<IReadOnlyList<MyRoom>> ListMyRoomsAsync(string actor, CancellationToken cancellationToken);

    /// <summary>The public rooms <paramref name="actor"/> may join: every public room except those the actor is banned from.</summary>
    Task<IReadOnlyList<RoomSummary>> ListPublicRoomsAsync(string actor, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> GetMembersAsync(string actor, string room, CancellationToken cancellationToken);

    /// <summary>Whether the user is a member of the room now (one Redis read; false for unknown rooms).</summary>
    Task<bool> IsMemberAsync(string user, string room, CancellationToken cancellationToken);

    Task<CommitResult> PostMessageAsync(string actor, string room, string text, long? replyTo, string? idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// Posts a message that references the caller's pending uploads (<see cref="Attachments.IAttachmentRegistry"/>) by id;
    /// the text may then be empty. The event's <c>data.attachments</c> lists them; each can be referenced once.
    /// </summary>
    Task<CommitResult> PostMessageAsync(string actor, string room, string? text, long? replyTo, string? idempotencyKey,
        IReadOnlyList<string>? attachments, CancellationToken cancellationToken) =>
        attachments is null or { Count: 0 }
            ? PostMessageAsync(actor, room, text ?? "", replyTo, idempotencyKey, cancellationToken)
            : throw new NotSupportedException("This chat service does not support attachments.");

    /// <summary>
    /// Posts as a bot that is a member of the room in its own right (an inbound webhook's <c>hook-…</c> id). The event is an
    /// ordinary <c>message.created</c> whose <c>data.username</c> carries the display name the poster chose, when given.
    /// </summary>
    Task<CommitResult> PostBotMessageAsync(string bot, string room, string text, string? username, string? idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// A bot's post that references the bot's own pending uploads (files posted to an inbound hook) by id, as
    /// <see cref="PostMessageAsync(string, string, string?, long?, string?, IReadOnlyList{string}?, CancellationToken)"/>
    /// does for people; the text may then be empty.
    /// </summary>
    Task<CommitResult> PostBotMessageAsync(string bot, string room, string? text, string? username, string? idempotencyKey,
        IReadOnlyList<string>? attachments, CancellationToken cancellationToken) =>
        attachments is null or { Count: 0 }
            ? PostBotMessageAsync(bot, room, text ?? "", username, idempotencyKey, cancellationToken)
            : throw new NotSupportedException("This chat service does not support attachments.");

    Task<CommitResult> EditMessageAsync(string actor, string room, long messageId, string text, CancellationToken cancellationToken);

    Task<CommitResult> DeleteMessageAsync(string actor, string room, long messageId, CancellationToken cancellationToken);

    Task<CommitResult> AddReactionAsync(string actor, string room, long messageId, string emoji, CancellationToken cancellationToken);

    Task<CommitResult> RemoveReactionAsync(string actor, string room, long messageId, string emoji, CancellationToken cancellationToken);

    Task<CommitResult> MarkReadAsync(string actor, string room, long eventId, CancellationToken cancellationToken);

    Task<HistoryPage> GetHistoryAsync(string actor, string room, long? before, long? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// The rooms whose history <paramref name="actor"/> may read now, by <see cref="GetHistoryAsync"/>'s rule (a member of
    /// the room at the time of the request): every room they are a member of, or, with <paramref name="room"/>, that room
    /// alone — refused as history refuses it (<c>room_not_found</c>, <c>banned</c>, <c>not_member</c>).
    /// </summary>
    Task<IReadOnlyList<string>> GetReadableRoomsAsync(string actor, string? room, CancellationToken cancellationToken) =>
        throw new NotSupportedException("This chat service does not answer visibility questions.");

    /// <summary>
    /// Each of <paramref name="messages"/> as <see cref="GetHistoryAsync"/> would show it to <paramref name="actor"/> now
    /// (the same rule, read atomically in one round trip): its current state (a tombstone when deleted) when the actor is a
    /// member of its room at the time of the request, else why not. One result per message, in order.
    /// </summary>
    Task<IReadOnlyList<MessageVisibility>> GetVisibleMessagesAsync(string actor, IReadOnlyList<(string Room, long MessageId)> messages,
        CancellationToken cancellationToken) =>
        throw new NotSupportedException("This chat service does not answer visibility questions.");

    Task<Replay> ReplayAsync(string actor, long after, int limit, CancellationToken cancellationToken);

    Task<long> GetHeadAsync(CancellationToken cancellationToken);
}
