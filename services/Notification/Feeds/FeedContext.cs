using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Presence;
using ChatMesh.Chat.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// What every stream needs, and the checks made before one starts: each refusal is a problem-details answer
/// (400 invalid_argument / cursor_from_future, 403 not_member, 429 too_many_connections), never a broken stream.
/// </summary>
internal sealed class FeedContext(
    IChatService chat,
    ILiveEventHub hub,
    ConnectionRegistry registry,
    IOptions<NotificationOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    DeliveryMetrics metrics,
    HeartbeatTicker heartbeats,
    ILogger<FeedSession> logger)
{
    public IChatService Chat { get; } = chat;

    public ILiveEventHub Hub { get; } = hub;

    public NotificationOptions Options => options.Value;

    public TimeProvider Time { get; } = time;

    public IHostApplicationLifetime Lifetime { get; } = lifetime;

    public ILogger Logger { get; } = logger;

    public DeliveryMetrics Metrics { get; } = metrics;

    public HeartbeatTicker Heartbeats { get; } = heartbeats;

    /// <summary>Validates the request and registers the connection; the session is started, or the problem says why not.</summary>
    public async Task<(FeedSession? Session, ProblemHttpResult? Problem)> OpenAsync(HttpContext httpContext, string channel)
    {
        var settings = Options;
        if (!FeedRequest.TryParse(httpContext.Request, settings.MaxFilterRooms, out var request, out var invalid))
        {
            return (null, invalid);
        }

        var user = httpContext.User.GetUserId();
        var cancellationToken = httpContext.RequestAborted;
        foreach (var room in request.Rooms ?? new HashSet<string>())
        {
            // Membership is enforced for a filter too: naming a room is no way to read it.
            if (!await Chat.IsMemberAsync(user, room, cancellationToken))
            {
                return (null, FeedProblems.Create(StatusCodes.Status403Forbidden, "not_member", $"You are not a member of '{Truncate(room)}'."));
            }
        }

        var head = await Chat.GetHeadAsync(cancellationToken);
        if (request.After > head)
        {
            return (null, FeedProblems.Create(StatusCodes.Status400BadRequest, "cursor_from_future",
                $"event {request.After} is after the newest event {head}."));
        }

        var lease = await registry.TryOpenAsync(user, Guid.NewGuid().ToString("N"), settings.MaxStreamsPerUser, cancellationToken);
        if (lease is null)
        {
            return (null, FeedProblems.Create(StatusCodes.Status429TooManyRequests, FeedProblems.TooManyConnections,
                $"This user already holds {settings.MaxStreamsPerUser} connections; close one first."));
        }

        var session = new FeedSession(this, request, lease, channel, cancellationToken);
        session.Start(head);
        return (session, null);
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
