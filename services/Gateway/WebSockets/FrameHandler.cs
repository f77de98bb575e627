using System.Diagnostics;
using System.Net.WebSockets;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>Carries out each client frame through the chat domain and answers with an ack or an error frame.</summary>
internal sealed partial class FrameHandler(ConnectionContext context, ConnectionSender sender, Action<WebSocketCloseStatus, string> close)
    : IAsyncDisposable
{
    private readonly Subscription _subscription = new(context, sender, close);
    private ITimer? _expiry;

    public void Start(CancellationToken cancellationToken)
    {
        var hello = ServerFrames.Hello(context.UserId, context.ConnectionId, context.Hub.LastDispatchedId, context.Options, context.TokenExpiresAt);
        sender.SendControl(hello);
        ScheduleExpiry(context.TokenExpiresAt);
    }

    /// <summary>Carries out <paramref name="frame"/>, read at <paramref name="readAt"/> (a <see cref="Stopwatch"/> timestamp).</summary>
    public async Task HandleAsync(ClientFrame frame, long readAt, CancellationToken cancellationToken)
    {
        var reference = frame.Ref;
        if (reference is { Length: > FrameRef.MaxLength })
        {
            sender.SendControl(ServerFrames.Error(null, "invalid_frame", $"ref is longer than {FrameRef.MaxLength} characters."));
            return;
        }

        // Each user action on the socket is its own trace (linked to the connection's), carried through the
        // Redis commit and the outbox onto the bus, so the dashboard shows one message as one trace.
        using var activity = frame.Type is ClientFrameTypes.Ping or null ? null : ChatTelemetry.StartRoot($"ws {frame.Type}", ActivityKind.Server);
        activity?.SetTag("chatmesh.channel", "websocket");
        activity?.SetTag("chatmesh.room", frame.Room);
        try
        {
            await DispatchAsync(frame, reference, readAt, cancellationToken);
        }
        catch (ChatException ex)
        {
            activity?.SetTag("chatmesh.error", ex.Code);
            sender.SendControl(ServerFrames.Error(reference, ex.Code, ex.Message, ex.RetryAfter));
        }
        catch (FrameException ex)
        {
            sender.SendControl(ServerFrames.Error(reference, ex.Code, ex.Message));
        }
        catch (Exception ex) when (StoreFailures.IsTransient(ex))
        {
            // Redis restarting or failing over: a transient answer, as HTTP's 503; a send is retried with its key.
            LogStoreUnavailable(context.Logger, frame.Type, context.ConnectionId, ex.GetType().Name, ex.Message);
            sender.SendControl(ServerFrames.Error(reference, ApiErrors.StoreUnavailable, "The chat store is unavailable for a moment; retry (a send with the same key).", StoreFailures.RetryAfter));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogFrameFailed(context.Logger, ex, frame.Type, context.ConnectionId);
            sender.SendControl(ServerFrames.Error(reference, "internal_error", "The server failed to process this frame; it was not applied."));
        }
    }

    private async Task DispatchAsync(ClientFrame frame, string? reference, long readAt, CancellationToken cancellationToken)
    {
        var chat = context.Chat;
        var user = context.UserId;
        switch (frame.Type)
        {
            case ClientFrameTypes.Subscribe:
                _subscription.Start(frame.After, reference, cancellationToken);
                return;
            case ClientFrameTypes.Send:
                Ack(reference, readAt, await chat.PostMessageAsync(user, Require(frame.Room, "room"),
                    frame.Attachments is { Length: > 0 } ? frame.Text : Require(frame.Text, "text"), frame.ReplyTo, frame.Key, frame.Attachments, cancellationToken));
                return;
            case ClientFrameTypes.Edit:
                Ack(reference, readAt, await chat.EditMessageAsync(user, Require(frame.Room, "room"), Require(frame.MessageId, "messageId"), Require(frame.Text, "text"), cancellationToken));
                return;
            case ClientFrameTypes.Delete:
                Ack(reference, readAt, await chat.DeleteMessageAsync(user, Require(frame.Room, "room"), Require(frame.MessageId, "messageId"), cancellationToken));
                return;
            case ClientFrameTypes.React:
                Ack(reference, readAt, await chat.AddReactionAsync(user, Require(frame.Room, "room"), Require(frame.MessageId, "messageId"), Require(frame.Emoji, "emoji"), cancellationToken));
                return;
            case ClientFrameTypes.Unreact:
                Ack(reference, readAt, await chat.RemoveReactionAsync(user, Require(frame.Room, "room"), Require(frame.MessageId, "messageId"), Require(frame.Emoji, "emoji"), cancellationToken));
                return;
            case ClientFrameTypes.Read:
                Ack(reference, readAt, await chat.MarkReadAsync(user, Require(frame.Room, "room"), Require(frame.EventId, "eventId"), cancellationToken));
                return;
            case ClientFrameTypes.Join:
                Ack(reference, readAt, await chat.JoinRoomAsync(user, Require(frame.Room, "room"), cancellationToken));
                return;
            case ClientFrameTypes.Leave:
                Ack(reference, readAt, await chat.LeaveRoomAsync(user, Require(frame.Room, "room"), cancellationToken));
                return;
            case ClientFrameTypes.Role:
                Ack(reference, readAt, await chat.SetRoleAsync(user, Require(frame.Room, "room"), Require(frame.User, "user"), ParseRole(frame.Role), cancellationToken));
                return;
            case ClientFrameTypes.Kick:
                Ack(reference, readAt, await chat.KickAsync(user, Require(frame.Room, "room"), Require(frame.User, "user"), cancellationToken));
                return;
            case ClientFrameTypes.Ban:
                Ack(reference, readAt, await chat.BanAsync(user, Require(frame.Room, "room"), Require(frame.User, "user"), cancellationToken));
                return;
            case ClientFrameTypes.Unban:
                Ack(reference, readAt, await chat.UnbanAsync(user, Require(frame.Room, "room"), Require(frame.User, "user"), cancellationToken));
                return;
            case ClientFrameTypes.UpdateRoom:
                var changes = new Chat.Rooms.RoomChanges(frame.Name, frame.Topic, frame.ReadOnly, frame.SlowModeSeconds);
                Ack(reference, readAt, await chat.UpdateRoomAsync(user, Require(frame.Room, "room"), changes, cancellationToken));
                return;
            case ClientFrameTypes.Typing:
                // Within TypingThrottle the frame is dropped silently, as before: typing frames have no answer.
                await context.Typing.RelayAsync(user, Require(frame.Room, "room"), cancellationToken);
                return;
            case ClientFrameTypes.Ping:
                sender.SendControl(ServerFrames.Pong(reference));
                return;
            case ClientFrameTypes.Auth:
                var expiresAt = await context.Tokens.ValidateAsync(Require(frame.Token, "token"), context.UserId);
                ScheduleExpiry(expiresAt);
                sender.SendControl(ServerFrames.Authenticated(reference, expiresAt));
                return;
            case null:
                throw new FrameException("invalid_frame", "The frame has no type.");
            default:
                throw new FrameException("unknown_type", $"Unknown frame type '{Truncate(frame.Type)}'.");
        }
    }

    private void Ack(string? reference, long readAt, CommitResult result)
    {
        context.Frames?.Committed(readAt);
        Activity.Current?.SetTag("chatmesh.event_id", result.EventId);
        sender.SendControl(ServerFrames.Ack(reference, result.EventId, result.Duplicate));
        // After the ack is queued, so the sender's own connection hears the ack before the event.
        if (!result.Duplicate && result.Event is { } committed)
        {
            context.Hub.TryDispatchCommitted(committed);
        }
    }

    private void ScheduleExpiry(DateTimeOffset? expiresAt)
    {
        _expiry?.Dispose();
        if (expiresAt is not { } at)
        {
            return;
        }

        var due = at - context.Time.GetUtcNow();
        _expiry = context.Time.CreateTimer(
            _ => close(CloseCodes.TokenExpired, "token_expired"), null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The connection's feed fell behind (a burst over MaxQueuedFrames): catch it up from the log.</summary>
    public void OnBehind() => _subscription.OnBehind();

    public Task StopAsync() => _subscription.StopAsync();

    public async ValueTask DisposeAsync()
    {
        if (_expiry is not null)
        {
            await _expiry.DisposeAsync();
        }

        _subscription.Dispose();
    }

    private static T Require<T>(T? value, string field) where T : struct =>
        value ?? throw new FrameException("invalid_frame", $"The frame needs '{field}'.");

    private static string Require(string? value, string field) =>
        string.IsNullOrEmpty(value) ? throw new FrameException("invalid_frame", $"The frame needs '{field}'.") : value;

    private static Chat.Rooms.RoomRole ParseRole(string? role) => role switch
    {
        "moderator" => Chat.Rooms.RoomRole.Moderator,
        "member" => Chat.Rooms.RoomRole.Member,
        null or "" => throw new FrameException("invalid_frame", "The frame needs 'role'."),
        _ => throw new ChatException(ChatError.InvalidArgument, "role must be 'moderator' or 'member'; a room has one owner, its creator."),
    };

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Frame {FrameType} on connection {ConnectionId} answered store_unavailable: {Kind}: {Reason}")]
    private static partial void LogStoreUnavailable(ILogger logger, string? frameType, string connectionId, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Frame {FrameType} failed on connection {ConnectionId}")]
    private static partial void LogFrameFailed(ILogger logger, Exception exception, string? frameType, string connectionId);
}

/// <summary>A frame refused before it reached the chat domain; <see cref="Code"/> is the error frame's code.</summary>
internal sealed class FrameException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
