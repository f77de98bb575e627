using System.Security.Claims;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Problems;
using ChatMesh.Gateway.Api.ProblemMapping;
using ChatMesh.Gateway.Api.Rooms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Api.Messages;

/// <summary>History, posting, editing, deleting and reactions: <c>/api/rooms/{room}/messages/…</c>.</summary>
internal static class MessageEndpoints
{
    public static RouteGroupBuilder MapMessageEndpoints(this RouteGroupBuilder api)
    {
        var messages = api.MapGroup("/rooms/{room}/messages").WithTags("Messages");

        messages.MapGet("", History)
            .WithSummary("A page of history in id order: the newest page, the page before 'before', or the page after 'after'.");
        messages.MapPost("", Post)
            .WithSummary("Posts a message; acknowledged once durable. Repeat with the same Idempotency-Key to retry safely.");
        messages.MapPatch("/{id}", Edit).WithSummary("Edits the caller's own message.");
        messages.MapDelete("/{id}", Delete).WithSummary("Deletes a message (its author, a moderator or the room owner); history keeps a tombstone.");
        messages.MapPut("/{id}/reactions/{emoji}", AddReaction).WithSummary("Adds the caller's reaction to a message.");
        messages.MapDelete("/{id}/reactions/{emoji}", RemoveReaction).WithSummary("Removes the caller's reaction from a message.");
        return api;
    }

    internal static async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> History(
        string room, long? before, long? after, int? limit,
        ClaimsPrincipal user, IChatService chat, IOptions<ChatApiOptions> options, CancellationToken cancellationToken)
    {
        if (QueryChecks.Page(options.Value, limit, out var pageLimit) is { } badLimit)
        {
            return badLimit;
        }

        if (before is < 0 || after is < 0)
        {
            return ChatProblems.InvalidArgument("'before' and 'after' must not be negative.");
        }

        return TypedResults.Ok(await chat.GetHistoryAsync(user.GetUserId(), room, before, after, pageLimit, cancellationToken));
    }

    internal static async Task<Results<Created<PostMessageResponse>, Ok<PostMessageResponse>, ProblemHttpResult>> Post(
        string room, PostMessageRequest? request,
        [FromHeader(Name = IdempotencyKey.HeaderName)] string[]? idempotencyKey,
        ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken)
    {
        if (IdempotencyKey.Check(idempotencyKey, out var key) is { } badKey)
        {
            return ChatProblems.InvalidRequest(badKey);
        }

        if (request is null || (request.Text is null && request.Attachments is not { Count: > 0 }))
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'text' (and optionally 'replyTo' and 'attachments').");
        }

        var result = await chat.PostMessageAsync(user.GetUserId(), room, request.Text, request.ReplyTo, key, request.Attachments, cancellationToken);
        var response = new PostMessageResponse(result.EventId, result.Duplicate);
        // A repeat is not a new resource: 200 with the original id, so a retrying client can tell nothing was written.
        return result.Duplicate
            ? TypedResults.Ok(response)
            : TypedResults.Created(ApiPaths.Message(room, result.EventId), response);
    }

    internal static async Task<Results<Ok<EventIdResponse>, ProblemHttpResult>> Edit(
        string room, long id, EditMessageRequest? request, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken)
    {
        if (request?.Text is not { } text)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'text'.");
        }

        return EventId(await chat.EditMessageAsync(user.GetUserId(), room, id, text, cancellationToken));
    }

    internal static async Task<Ok<EventIdResponse>> Delete(
        string room, long id, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.DeleteMessageAsync(user.GetUserId(), room, id, cancellationToken));

    internal static async Task<Ok<EventIdResponse>> AddReaction(
        string room, long id, string emoji, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.AddReactionAsync(user.GetUserId(), room, id, emoji, cancellationToken));

    internal static async Task<Ok<EventIdResponse>> RemoveReaction(
        string room, long id, string emoji, ClaimsPrincipal user, IChatService chat, CancellationToken cancellationToken) =>
        EventId(await chat.RemoveReactionAsync(user.GetUserId(), room, id, emoji, cancellationToken));

    private static Ok<EventIdResponse> EventId(CommitResult result) => TypedResults.Ok(new EventIdResponse(result.EventId));
}
