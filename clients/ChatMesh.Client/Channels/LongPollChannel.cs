using System.Globalization;
using System.Text.Json;

namespace ChatMesh.Client.Channels;

/// <summary>The long-poll queue of one client: it lives in Redis and outlives a connection, so a reconnect polls it again.</summary>
internal sealed class PollQueue
{
    public string? Id { get; set; }

    /// <summary>The cursor to send next: everything up to it was delivered (or is invisible to this user).</summary>
    public long Cursor { get; set; }

    /// <summary>The REST replay still owed after a registration: events after <see cref="ReplayedTo"/> up to <see cref="ReplayEnd"/> (the queue's start).</summary>
    public long ReplayedTo { get; set; }

    public long ReplayEnd { get; set; }
}

/// <summary>
/// Long-polling <c>/poll</c> (docs/protocol.md "Long-polling", the web client's transports/longpoll.js): register a
/// queue, then poll it with the cursor in a loop. Receive only: sends go over REST. An expired or unknown queue is
/// registered again and the gap since the last event id is filled from the REST replay (<c>GET /api/events?after=</c>).
/// </summary>
internal sealed class LongPollChannel(RestApi rest, PollQueue queue, TimeSpan holdFor, TimeSpan requestTimeout) : IReceiveChannel
{
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task? _polling;

    public ChatChannel Kind => ChatChannel.LongPolling;

    public Task<string> Closed => _closed.Task;

    public async Task OpenAsync(long after, IEventSink sink, CancellationToken cancel)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, _stop.Token);
        queue.Cursor = Math.Max(queue.Cursor, after);
        if (queue.Id is null)
        {
            await RegisterAsync(linked.Token).ConfigureAwait(false);
        }

        await ReplayAsync(sink, linked.Token).ConfigureAwait(false);

        // One poll that answers at once proves the queue works before the channel reports itself live.
        await PollAsync(sink, dontBlock: true, linked.Token).ConfigureAwait(false);
        _polling = LoopAsync(sink);
    }

    private async Task RegisterAsync(CancellationToken cancel)
    {
        using var request = rest.Authorized(HttpMethod.Post, "/poll/queues");
        request.Content = RestApi.Json(_ => { });
        using var registered = await WithTimeoutAsync(request, requestTimeout, cancel).ConfigureAwait(false);
        var start = registered.RootElement.GetProperty("lastEventId").GetInt64();
        // The queue starts at the head: what came between our last id and it is owed from the replay, the rest comes
        // from the queue. Owed until delivered, so a connect that fails halfway replays the rest next time.
        queue.ReplayedTo = queue.Cursor;
        queue.ReplayEnd = start;
        queue.Cursor = Math.Max(queue.Cursor, start);
        queue.Id = registered.RootElement.GetProperty("queueId").GetString();
    }

    /// <summary>Delivers the owed events from <c>GET /api/events?after=</c>, page by page (server's page size).</summary>
    private async Task ReplayAsync(IEventSink sink, CancellationToken cancel)
    {
        while (queue.ReplayedTo > 0 && queue.ReplayedTo < queue.ReplayEnd)
        {
            using var page = await WithTimeoutAsync(rest.Authorized(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture,
                $"/api/events?after={queue.ReplayedTo}")), requestTimeout, cancel).ConfigureAwait(false);
            var root = page.RootElement;
            if (root.GetProperty("reset").GetBoolean())
            {
                await sink.ResetAsync(root.GetProperty("head").GetInt64(), cancel).ConfigureAwait(false);
                break;
            }

            var last = queue.ReplayedTo;
            foreach (var wire in root.GetProperty("events").EnumerateArray())
            {
                last = wire.GetProperty("id").GetInt64();
                if (last <= queue.ReplayEnd)
                {
                    await sink.EventAsync(ChatEvent.Parse(wire, wire.GetRawText()), cancel).ConfigureAwait(false);
                }
            }

            if (!root.GetProperty("more").GetBoolean() || last == queue.ReplayedTo)
            {
                break;
            }

            queue.ReplayedTo = last;
        }

        queue.ReplayedTo = queue.ReplayEnd;
    }

    private async Task PollAsync(IEventSink sink, bool dontBlock, CancellationToken cancel)
    {
        var path = string.Create(CultureInfo.InvariantCulture,
            $"/poll/queues/{Uri.EscapeDataString(queue.Id!)}/events?lastEventId={queue.Cursor}")
            + (dontBlock ? "&dont_block=true" : string.Create(CultureInfo.InvariantCulture, $"&timeout={(int)holdFor.TotalSeconds}"));
        JsonDocument answer;
        try
        {
            // A held poll may take the whole hold; past that and the request timeout, the answer is taken as lost.
            answer = await WithTimeoutAsync(rest.Authorized(HttpMethod.Get, path), dontBlock ? requestTimeout : holdFor + requestTimeout, cancel).ConfigureAwait(false);
        }
        catch (ChatMeshException ex) when (ex.Code is "queue_expired" or "queue_not_found" or "cursor_behind_ack")
        {
            // The queue is gone (or no longer ours to continue): register again on the next connect, replaying the gap.
            queue.Id = null;
            throw;
        }

        using (answer)
        {
            var root = answer.RootElement;
            foreach (var wire in root.GetProperty("events").EnumerateArray())
            {
                await sink.EventAsync(ChatEvent.Parse(wire, wire.GetRawText()), cancel).ConfigureAwait(false);
            }

            if (root.TryGetProperty("reset", out var reset) && reset.ValueKind == JsonValueKind.True)
            {
                await sink.ResetAsync(root.GetProperty("head").GetInt64(), cancel).ConfigureAwait(false);
            }

            // Only the next poll acknowledges these: a lost answer is answered again.
            queue.Cursor = Math.Max(queue.Cursor, root.GetProperty("lastEventId").GetInt64());
        }
    }

    private async Task<JsonDocument> WithTimeoutAsync(HttpRequestMessage request, TimeSpan timeout, CancellationToken cancel)
    {
        using (request)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            deadline.CancelAfter(timeout);
            try
            {
                return await rest.SendAsync(request, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
            {
                throw new TimeoutException($"No answer from {request.RequestUri} within {timeout}.");
            }
        }
    }

    private async Task LoopAsync(IEventSink sink)
    {
        try
        {
            while (true)
            {
                await PollAsync(sink, dontBlock: false, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (ChatMeshException ex) when (ex.IsAuthenticationFailure)
        {
            // 401: the token expired or was revoked; polling again with it is refused the same way.
            _closed.TrySetException(ex);
        }
        catch (Exception ex) when (ex is ChatMeshException or IOException or HttpRequestException or TimeoutException or OperationCanceledException or JsonException or KeyNotFoundException)
        {
            _closed.TrySetResult(ex.Message);
        }
    }

    /// <summary>Deletes the queue (when the client stops): it no longer counts against <c>Legacy:MaxQueuesPerUser</c>.</summary>
    public static async Task DeleteAsync(RestApi rest, PollQueue queue, TimeSpan timeout)
    {
        if (queue.Id is not { } id)
        {
            return;
        }

        queue.Id = null;
        try
        {
            using var deadline = new CancellationTokenSource(timeout);
            using var request = rest.Authorized(HttpMethod.Delete, $"/poll/queues/{Uri.EscapeDataString(id)}");
            using var response = await rest.Http.SendAsync(request, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // Unreachable: the queue expires by itself after Legacy:QueueIdleTimeout.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_polling is not null)
        {
            await _polling.ConfigureAwait(false);
        }

        _closed.TrySetResult("closed");
        _stop.Dispose();
    }
}
