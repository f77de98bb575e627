using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.EventLog.Scripts;
using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Rooms;
using StackExchange.Redis;

namespace ChatMesh.Chat.EventLog;

/// <summary>Messages, reactions and read cursors.</summary>
public sealed partial class RedisChatService
{
    /// <summary>Longest display name a bot may post under.</summary>
    public const int MaxBotUsernameLength = 80;

    public Task<CommitResult> PostMessageAsync(string actor, string room, string text, long? replyTo, string? idempotencyKey, CancellationToken cancellationToken) =>
        PostAsync(actor, room, text, replyTo, idempotencyKey, username: null, cancellationToken);

    public Task<CommitResult> PostMessageAsync(string actor, string room, string? text, long? replyTo, string? idempotencyKey,
        IReadOnlyList<string>? attachments, CancellationToken cancellationToken) =>
        PostAsync(actor, room, text, replyTo, idempotencyKey, username: null, cancellationToken, attachments);

    public Task<CommitResult> PostBotMessageAsync(string bot, string room, string text, string? username, string? idempotencyKey, CancellationToken cancellationToken) =>
        PostBotMessageAsync(bot, room, text, username, idempotencyKey, attachments: null, cancellationToken);

    public Task<CommitResult> PostBotMessageAsync(string bot, string room, string? text, string? username, string? idempotencyKey,
        IReadOnlyList<string>? attachments, CancellationToken cancellationToken)
    {
        if (username is not null && (username.Length is 0 or > MaxBotUsernameLength || username.Any(char.IsControl)))
        {
            throw new ChatException(ChatError.InvalidArgument, $"username must be 1 to {MaxBotUsernameLength} characters without control characters.");
        }

        return PostAsync(bot, room, text, replyTo: null, idempotencyKey, username, cancellationToken, attachments);
    }

    private async Task<CommitResult> PostAsync(string actor, string room, string? text, long? replyTo, string? idempotencyKey,
        string? username, CancellationToken cancellationToken, IReadOnlyList<string>? attachments = null)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        var attachmentIds = AttachmentRules.RequireIds(attachments, chat.Attachments.MaxPerMessage);
        // A message of files alone needs no text.
        text = attachmentIds.Length > 0 && string.IsNullOrWhiteSpace(text) ? "" : MessageRules.NormalizeText(text, chat.MaxMessageLength);
        if (idempotencyKey is not null)
        {
            MessageRules.RequireIdempotencyKey(idempotencyKey);
        }

        if (replyTo is <= 0)
        {
            throw new ChatException(ChatError.InvalidArgument, "replyTo must be a message id.");
        }

        var now = Now();
        var candidates = MessageRules.ParseMentionCandidates(text, actor, chat.MaxMentionsPerMessage);

        var created = EventJsonBuilder.Start(ChatEventTypes.MessageCreated, room, actor, now);
        created.NumberHole("messageId");
        created.Data.WriteString("text"u8, text);
        if (username is not null)
        {
            created.Data.WriteString("username"u8, username);
        }
        if (replyTo is { } parent)
        {
            created.Data.WriteNumber("replyTo"u8, parent);
        }
        else
        {
            created.Data.WriteNull("replyTo"u8);
        }

        created.ArrayHole("mentions");
        if (attachmentIds.Length > 0)
        {
            created.ArrayHole("attachments");
        }

        var message = created.Finish();

        // In a direct room the other member hears of every message; elsewhere only mentioned members do.
        var direct = ChatIds.TryParseDirect(room, out var a, out var b);
        var other = !direct ? "" : string.Equals(actor, a, StringComparison.Ordinal) ? b : a;
        var notificationType = direct ? ChatEventTypes.NotificationDirect
            : candidates.Count > 0 ? ChatEventTypes.NotificationMention : "";
        EventBody notification = default;
        if (notificationType.Length > 0)
        {
            var builder = EventJsonBuilder.Start(notificationType, room, actor, now, EventJsonBuilder.UserHole);
            builder.Data.WriteString("room"u8, room);
            builder.NumberHole("messageId");
            builder.Data.WriteString("by"u8, actor);
            builder.Data.WriteString("excerpt"u8, MessageRules.Excerpt(text));
            notification = builder.Finish();
        }

        var args = new RedisValue[22 + candidates.Count];
        args[0] = room;
        args[1] = actor;
        args[2] = idempotencyKey ?? "";
        args[3] = (long)chat.IdempotencyKeyTtl.TotalMilliseconds;
        args[4] = ToMilliseconds(now);
        args[5] = text;
        args[6] = replyTo is { } r ? r : "";
        args[7] = message.Json;
        Holes(message.Holes).CopyTo(args, 8);
        args[12] = notificationType;
        args[13] = notification.Json ?? [];
        if (notification.Holes is { } holes)
        {
            Holes(holes).CopyTo(args, 14);
        }
        else
        {
            Array.Fill(args, 0, 14, 4);
        }

        args[18] = other;
        args[19] = string.Join(' ', attachmentIds);
        (args[20], args[21]) = attachmentIds.Length > 0 ? (message.Holes[4], message.Holes[5]) : (0, 0);
        for (var i = 0; i < candidates.Count; i++)
        {
            args[22 + i] = candidates[i];
        }

        var result = await EvalAsync(MessageScripts.Post, args, cancellationToken).ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MessageCreated, room, null);
    }

    public async Task<CommitResult> EditMessageAsync(string actor, string room, long messageId, string text, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        text = MessageRules.NormalizeText(text, chat.MaxMessageLength);
        var now = Now();
        var edited = EventJsonBuilder.Start(ChatEventTypes.MessageEdited, room, actor, now);
        edited.Data.WriteNumber("messageId"u8, messageId);
        edited.Data.WriteString("text"u8, text);
        edited.ArrayHole("mentions");
        var body = edited.Finish();

        var candidates = MessageRules.ParseMentionCandidates(text, actor, chat.MaxMentionsPerMessage);
        RedisValue[] args = [room, actor, messageId, text, ToMilliseconds(now), body.Json, body.Holes[0], body.Holes[1],
            .. candidates.Select(c => (RedisValue)c)];
        var result = await EvalAsync(MessageScripts.Edit, args, cancellationToken).ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MessageEdited, room, null);
    }

    public async Task<CommitResult> DeleteMessageAsync(string actor, string room, long messageId, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        var deleted = EventJsonBuilder.Start(ChatEventTypes.MessageDeleted, room, actor, Now());
        deleted.Data.WriteNumber("messageId"u8, messageId);
        var result = await EvalAsync(MessageScripts.Delete, [room, actor, messageId, deleted.Finish().Json], cancellationToken)
            .ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.MessageDeleted, room, null);
    }

    public Task<CommitResult> AddReactionAsync(string actor, string room, long messageId, string emoji, CancellationToken cancellationToken) =>
        ReactAsync(actor, room, messageId, emoji, add: true, cancellationToken);

    public Task<CommitResult> RemoveReactionAsync(string actor, string room, long messageId, string emoji, CancellationToken cancellationToken) =>
        ReactAsync(actor, room, messageId, emoji, add: false, cancellationToken);

    public async Task<CommitResult> MarkReadAsync(string actor, string room, long eventId, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        if (eventId < 0)
        {
            throw new ChatException(ChatError.InvalidArgument, "eventId must not be negative.");
        }

        var read = EventJsonBuilder.Start(ChatEventTypes.ReadUpdated, room, actor, Now(), actor);
        read.Data.WriteString("room"u8, room);
        read.Data.WriteNumber("lastRead"u8, eventId);
        read.NumberHole("unread");
        read.Data.WriteNumber("mentions"u8, 0);
        var body = read.Finish();
        var result = await EvalAsync(MessageScripts.MarkRead, [room, actor, eventId, body.Json, body.Holes[0], body.Holes[1]], cancellationToken)
            .ConfigureAwait(false);
        return ToCommit(result, ChatEventTypes.ReadUpdated, null, actor);
    }

    private async Task<CommitResult> ReactAsync(string actor, string room, long messageId, string emoji, bool add, CancellationToken cancellationToken)
    {
        ChatIds.RequireUser(actor, "actor");
        ChatIds.RequireRoom(room);
        MessageRules.RequireEmoji(emoji);
        var type = add ? ChatEventTypes.ReactionAdded : ChatEventTypes.ReactionRemoved;
        var reaction = EventJsonBuilder.Start(type, room, actor, Now());
        reaction.Data.WriteNumber("messageId"u8, messageId);
        reaction.Data.WriteString("emoji"u8, emoji);
        reaction.Data.WriteString("user"u8, actor);
        var result = await EvalAsync(MessageScripts.React, [room, actor, messageId, emoji, add ? "1" : "0", reaction.Finish().Json], cancellationToken)
            .ConfigureAwait(false);
        return ToCommit(result, type, room, null);
    }
}
