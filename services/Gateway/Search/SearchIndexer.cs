using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Outbox;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Search;

/// <summary>
/// Keeps this gateway's index current: tails the outbox (the ordered stream of every logged event) from the index's
/// position on a connection of its own, puts <c>message.created</c> / <c>message.edited</c> text, removes
/// <c>message.deleted</c>, and makes new text searchable with a near-real-time refresh at most every
/// <see cref="SearchOptions.RefreshInterval"/> (at once after a quiet spell; under a stream, once caught up, it lingers
/// until the refresh is due, so the stream is one read, one batch and one refresh per interval). The index is rebuilt from history when it is new or
/// unreadable, when the log restarted below it, when the outbox no longer holds the event after its position (it was
/// down longer than the outbox's retention), on every start with <see cref="SearchOptions.RebuildOnStart"/>, and when an
/// operator asks for it (<see cref="SearchRebuildState"/>).
/// Membership needs no events: a search asks the chat service for the caller's rooms when it runs.
/// </summary>
public sealed partial class SearchIndexer(
    SearchIndexHost host,
    SearchRebuild rebuild,
    SearchRebuildState rebuildState,
    IConnectionMultiplexer redis,
    OwnRedisConnections ownConnections,
    IOptions<ChatOptions> chat,
    IOptions<SearchOptions> options,
    TimeProvider time,
    ILogger<SearchIndexer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var index = host.Index;
        await using var tail = new OutboxTailReader(ownConnections, chat.Value.Durability);
        var mustRebuild = settings.RebuildOnStart || !index.IsCurrent;
        var checkedHead = false;
        var lastCommit = time.GetTimestamp();
        // Near-real-time refreshes at most every RefreshInterval: a lone message after a quiet spell is searchable at
        // once, a stream of them costs one reader refresh (one new segment) per interval instead of one per message.
        var lastRefresh = time.GetTimestamp() - (long)(settings.RefreshInterval.TotalSeconds * time.TimestampFrequency);
        var unrefreshed = false;
        LogStarting(host.Path, index.Position, mustRebuild);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    // An operator's rebuild (POST /operations/search/rebuild) runs here, the index's one writer.
                    mustRebuild |= rebuildState.IsRequested;
                    if (mustRebuild)
                    {
                        await rebuild.RebuildAsync(index, stoppingToken).ConfigureAwait(false);
                        mustRebuild = false;
                        checkedHead = true;
                        lastCommit = time.GetTimestamp();
                    }
                    if (!checkedHead)
                    {
                        // A log that restarted below the index (a new Redis) or left it behind retention makes it stale.
                        mustRebuild = await IsStaleAsync(index.Position, stoppingToken).ConfigureAwait(false);
                        checkedHead = true;
                        continue;
                    }

                    // After a linger (below) only what came meanwhile is wanted, without waiting: then the refresh.
                    var wait = unrefreshed ? TimeSpan.Zero : settings.IdleReadTimeout;
                    var batch = await tail.ReadAfterAsync(index.Position, settings.BatchSize, wait, stoppingToken).ConfigureAwait(false);
                    if (batch.Count > 0 && batch[0].Id > index.Position + 1)
                    {
                        LogBehindRetention(index.Position, batch[0].Id);
                        mustRebuild = true;
                        continue;
                    }
                    if (batch.Count > 0)
                    {
                        foreach (var published in batch)
                        {
                            Apply(index, published);
                        }
                        index.Advance(batch[^1].Id);
                        unrefreshed = true;
                    }

                    if (unrefreshed)
                    {
                        var left = settings.RefreshInterval - time.GetElapsedTime(lastRefresh);
                        if (left <= TimeSpan.Zero)
                        {
                            index.Refresh();
                            lastRefresh = time.GetTimestamp();
                            unrefreshed = false;
                        }
                        else if (batch.Count < settings.BatchSize)
                        {
                            // Caught up within the interval: linger until the refresh is due, so a stream of messages is
                            // one outbox read, one batch of updates and one refresh per interval rather than one read per
                            // message (what lands meanwhile is still searchable within the interval).
                            await Task.Delay(left, time, stoppingToken).ConfigureAwait(false);
                        }
                    }
                    if (time.GetElapsedTime(lastCommit) >= settings.CommitInterval)
                    {
                        index.Commit();
                        lastCommit = time.GetTimestamp();
                    }
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    // Redis unavailable, mostly: the indexer outlives it and resumes from its position.
                    LogIndexingFailed(exception);
                    await Task.Delay(settings.RetryDelay, time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            index.Commit();
        }
    }

    /// <summary>Applies one logged event to the index (message events only; everything else just moves the position).</summary>
    internal static void Apply(SearchIndex index, ChatEventPublished published)
    {
        if (published.Room is null || published.Type is not (ChatEventTypes.MessageCreated or ChatEventTypes.MessageEdited or ChatEventTypes.MessageDeleted))
        {
            return;
        }

        var (messageId, actor, text) = ReadMessage(published.Json);
        if (published.Type == ChatEventTypes.MessageDeleted || text is not { Length: > 0 })
        {
            // Deleted, or a message of attachments only: nothing to find it by.
            index.Remove(messageId);
            return;
        }
        index.Put(messageId, published.Room, actor ?? "", text);
    }

    /// <summary>
    /// The three values of a message event the index needs — <c>data.messageId</c>, <c>actor</c>, <c>data.text</c> — in
    /// one forward pass over the wire JSON, skipping everything else (no document tree).
    /// </summary>
    internal static (long MessageId, string? Actor, string? Text) ReadMessage(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        long? messageId = null;
        string? actor = null, text = null;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("actor"u8))
            {
                reader.Read();
                actor = reader.GetString();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("messageId"u8))
                    {
                        reader.Read();
                        messageId = reader.GetInt64();
                    }
                    else if (reader.ValueTextEquals("text"u8))
                    {
                        reader.Read();
                        text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return (messageId ?? throw new JsonException("A message event without data.messageId."), actor, text);
    }

    private async Task<bool> IsStaleAsync(long position, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var head = (long?)await db.StringGetAsync(ChatKeys.Seq).WaitAsync(cancellationToken).ConfigureAwait(false) ?? 0;
        if (head < position)
        {
            LogLogRestarted(position, head);
            return true;
        }
        if (head == position)
        {
            return false;
        }
        // Something happened since: the outbox must still hold the event right after the position.
        var next = await db.StreamRangeAsync(OutboxKeys.Stream, OutboxEntries.StreamId(position + 1), "+", 1)
            .WaitAsync(cancellationToken).ConfigureAwait(false);
        var nextId = next.Length == 0 ? head : OutboxEntries.EventId(next[0].Id.ToString());
        if (nextId != position + 1)
        {
            LogBehindRetention(position, nextId);
            return true;
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search index at {Path}, log position {Position}; rebuilding first: {Rebuild}")]
    private partial void LogStarting(string path, long position, bool rebuild);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Search index at log position {Position} is behind the outbox's retention (next entry {Next}): rebuilding from history")]
    private partial void LogBehindRetention(long position, long next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The event log's head {Head} is below the search index's position {Position} (a new Redis): rebuilding from history")]
    private partial void LogLogRestarted(long position, long head);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Search indexing failed; retrying")]
    private partial void LogIndexingFailed(Exception exception);
}
