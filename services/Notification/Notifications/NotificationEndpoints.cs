using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Notification.Feeds;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Notification.Notifications;

/// <summary>The notification center: <c>GET /api/notifications</c> and <c>POST /api/notifications/read</c>.</summary>
internal static class NotificationEndpoints
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static IEndpointRouteBuilder MapNotificationCenter(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/notifications").RequireAuthorization().WithTags("Notifications");
        group.MapGet("/", ListAsync).WithName("ListNotifications").WithSummary("The user's notifications, newest first, with read state.");
        group.MapPost("/read", MarkReadAsync).WithName("MarkNotificationsRead").WithSummary("Marks every notification up to an event id read.");
        return endpoints;
    }

    private static async Task<Results<Ok<NotificationList>, ProblemHttpResult>> ListAsync(
        HttpContext httpContext, NotificationStore store, bool? unread, int? limit)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            return FeedProblems.BadRequest($"limit must be 1 to {MaxLimit}.");
        }

        return TypedResults.Ok(await store.ListAsync(httpContext.User.GetUserId(), unread == true, take, httpContext.RequestAborted));
    }

    private static async Task<Results<Ok<MarkReadResponse>, ProblemHttpResult>> MarkReadAsync(
        HttpContext httpContext, NotificationStore store, MarkReadRequest? body)
    {
        if (body?.UpTo is not { } upTo)
        {
            return FeedProblems.BadRequest("The body needs 'upTo', an event id.");
        }

        try
        {
            return TypedResults.Ok(new MarkReadResponse(await store.MarkReadAsync(httpContext.User.GetUserId(), upTo, httpContext.RequestAborted)));
        }
        catch (ChatException ex)
        {
            return FeedProblems.From(ex);
        }
    }
}
