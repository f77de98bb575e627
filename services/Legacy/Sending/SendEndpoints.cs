using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Legacy.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Legacy.Sending;

/// <summary>
/// Writes for polling clients under <c>/poll/rooms/{room}/…</c> (the edge routes only <c>/poll/**</c> here), through
/// <see cref="IChatService"/> with the REST API's idempotency and error codes. Bodies are JSON or forms; clients that
/// cannot send PATCH or DELETE post with a <c>_method</c> field.
/// </summary>
internal static class SendEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";
    private const int MaxKeyLength = 128;

    public static RouteGroupBuilder MapSendEndpoints(this RouteGroupBuilder poll)
    {
        var room = poll.MapGroup("/rooms/{room}");
        room.MapPost("/messages", Post);
        room.MapPatch("/messages/{id:long}", (string room, long id, HttpContext http, ClaimsPrincipal user, IChatService chat) =>
            Edit(room, id, http, user, chat, null));
        room.MapDelete("/messages/{id:long}", Delete);
        room.MapPost("/messages/{id:long}", Override);
        room.MapPost("/read", Read);
        return poll;
    }

    internal static async Task<Results<Created<PostMessageResponse>, Ok<PostMessageResponse>, ProblemHttpResult>> Post(
        string room, HttpContext http, ClaimsPrincipal user, IChatService chat)
    {
        var (fields, problem) = await SendFields.ReadAsync(http);
        if (fields is null)
        {
            return problem!;
        }

        if (fields.String("text", "text", out var text) is { } badText)
        {
            return badText;
        }

        if (fields.Long("replyTo", "reply_to", out var replyTo) is { } badReply)
        {
            return badReply;
        }

        // The ids of the sender's pending uploads to this room, as the WebSocket 'send' and REST take them.
        if (fields.Strings("attachments", "attachments", out var attachments) is { } badAttachments)
        {
            return badAttachments;
        }

        if (fields.String("idempotencyKey", "idempotency_key", out var fieldKey) is { } badField)
        {
            return badField;
        }

        if (IdempotencyKey(http.Request.Headers[IdempotencyHeader], fieldKey, out var key) is { } badKey)
        {
            return badKey;
        }

        if (text is null && attachments is not { Length: > 0 })
        {
            return PollProblems.InvalidRequest(
                "Send 'text' or 'attachments' (JSON {\"text\",\"replyTo\",\"attachments\"} or form text=…&reply_to=…&attachments=…).");
        }

        var result = await chat.PostMessageAsync(user.GetUserId(), room, text, replyTo, key, attachments, http.RequestAborted);
        var response = new PostMessageResponse(result.EventId, result.Duplicate);
        // A repeat is not a new resource: 200 with the original id, so a retrying client can tell nothing was written.
        return result.Duplicate
            ? TypedResults.Ok(response)
            : TypedResults.Created($"/poll/rooms/{Uri.EscapeDataString(room)}/messages/{result.EventId}", response);
    }

    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> Edit(
        string room, long id, HttpContext http, ClaimsPrincipal user, IChatService chat, SendFields? read)
    {
        var fields = read;
        if (fields is null)
        {
            (fields, var problem) = await SendFields.ReadAsync(http);
            if (fields is null)
            {
                return problem!;
            }
        }

        if (fields.String("text", "text", out var text) is { } badField)
        {
            return badField;
        }

        if (text is null)
        {
            return PollProblems.InvalidRequest("Send 'text'.");
        }

        return EventId(await chat.EditMessageAsync(user.GetUserId(), room, id, text, http.RequestAborted));
    }

    internal static async Task<Ok<EventIdResponse>> Delete(string room, long id, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.DeleteMessageAsync(user.GetUserId(), room, id, cancellationToken));

    /// <summary><c>POST …/messages/{id}</c> with <c>_method=PATCH</c> or <c>_method=DELETE</c>, for clients limited to GET and POST.</summary>
    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> Override(
        string room, long id, HttpContext http, ClaimsPrincipal user, IChatService chat)
    {
        var (fields, problem) = await SendFields.ReadAsync(http);
        if (fields is null)
        {
            return problem!;
        }

        if (fields.String("_method", "_method", out var method) is { } badField)
        {
            return badField;
        }

        return method?.ToUpperInvariant() switch
        {
            "PATCH" => await Edit(room, id, http, user, chat, fields),
            "DELETE" => await Delete(room, id, user, chat, http.RequestAborted),
            _ => PollProblems.InvalidRequest("POST to a message needs '_method' PATCH or DELETE."),
        };
    }

    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> Read(
        string room, HttpContext http, ClaimsPrincipal user, IChatService chat)
    {
        var (fields, problem) = await SendFields.ReadAsync(http);
        if (fields is null)
        {
            return problem!;
        }

        if (fields.Long("eventId", "event_id", out var eventId) is { } badField)
        {
            return badField;
        }

        if (eventId is not { } cursor)
        {
            return PollProblems.InvalidRequest("Send 'eventId' (form: event_id).");
        }

        if (cursor < 0)
        {
            return PollProblems.InvalidArgument("'eventId' must not be negative.");
        }

        return EventId(await chat.MarkReadAsync(user.GetUserId(), room, cursor, http.RequestAborted));
    }

    /// <summary>The key from the header or the body field (not two different ones): 1–128 printable ASCII, as in the REST API.</summary>
    private static ProblemHttpResult? IdempotencyKey(Microsoft.Extensions.Primitives.StringValues header, string? field, out string? key)
    {
        key = null;
        if (header.Count > 1)
        {
            return PollProblems.InvalidRequest($"Send at most one {IdempotencyHeader} header.");
        }

        var headerKey = header.Count == 1 ? header[0] : null;
        if (headerKey is not null && field is not null && !string.Equals(headerKey, field, StringComparison.Ordinal))
        {
            return PollProblems.InvalidRequest($"The {IdempotencyHeader} header and the idempotency_key field differ.");
        }

        var value = headerKey ?? field;
        if (value is null)
        {
            return null;
        }

        if (value.Length is 0 or > MaxKeyLength || !value.All(static c => c is >= ' ' and <= '~'))
        {
            return PollProblems.InvalidRequest($"The idempotency key must be 1–{MaxKeyLength} printable ASCII characters.");
        }

        key = value;
        return null;
    }

    private static Ok<EventIdResponse> EventId(CommitResult result) => TypedResults.Ok(new EventIdResponse(result.EventId));
}
