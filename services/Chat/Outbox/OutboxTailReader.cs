using System.Globalization;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Hosting;
using StackExchange.Redis;

namespace ChatMesh.Chat.Outbox;

/// <summary>
/// Tails the outbox with <c>XREAD COUNT n BLOCK t</c> on a connection of its own. A blocking command holds up every
/// command queued behind it on a StackExchange.Redis connection, so it must not share the application's multiplexer;
/// on its own connection it returns at once when entries are waiting (no polling delay when busy) and parks
/// server-side when idle (no spinning). The block timeout stays well under the client's 5 s command timeout.
/// The connection is opened from the shared one's configuration (<see cref="OwnRedisConnections"/>), so in Sentinel mode it
/// asks the Sentinels for the primary and follows a promotion as the shared one does, on the configured
/// <c>Chat:Redis:SocketScheduler</c>. With <see cref="ChatDurabilityOptions.Replicas"/> set, entries
/// are handed out only once that many replicas have them (<see cref="ReplicaBarrier"/> on this connection): an entry
/// the primary took but no replica confirmed was never acknowledged, a failover discards it and the promoted replica
/// gives its id to another event, so publishing it would put a phantom on the bus and make consumers drop the real one.
/// </summary>
public sealed class OutboxTailReader(OwnRedisConnections connections, ChatDurabilityOptions durability) : IAsyncDisposable
{
    /// <summary>The tail's connection's name in <c>CLIENT LIST</c>.</summary>
    public const string ClientName = "chatmesh-outbox-tail";

    private ConnectionMultiplexer? _connection;

    /// <summary>The options the tail connects with: the shared connection's endpoints and the configured socket scheduler.</summary>
    public ConfigurationOptions ConnectionOptions { get; } = connections.OptionsFor(ClientName);
    private ReplicaBarrier? _barrier;

    /// <summary>
    /// Reads up to <paramref name="count"/> entries after <paramref name="afterId"/>, waiting up to <paramref name="block"/>
    /// for the first (<see cref="TimeSpan.Zero"/>: not at all); throws <see cref="ReplicationTimeoutException"/> when entries were read that too few replicas confirm.
    /// </summary>
    public async Task<List<ChatEventPublished>> ReadAfterAsync(long afterId, int count, TimeSpan block, CancellationToken cancellationToken)
    {
        var connection = _connection ??= await ConnectAsync().ConfigureAwait(false);
        var generation = _barrier?.Generation ?? 0;
        // DemandMaster: a replica may lag, and only the primary's view is the one WAIT then confirms.
        // BLOCK 0 would wait without end: a zero block is a plain XREAD (what is there now).
        object[] args = block > TimeSpan.Zero
            ? ["COUNT", count.ToString(CultureInfo.InvariantCulture),
                "BLOCK", ((long)Math.Max(1, block.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture),
                "STREAMS", OutboxKeys.Stream, OutboxEntries.StreamId(afterId)]
            : ["COUNT", count.ToString(CultureInfo.InvariantCulture), "STREAMS", OutboxKeys.Stream, OutboxEntries.StreamId(afterId)];
        var reply = await connection.GetDatabase().ExecuteAsync("XREAD", args, CommandFlags.DemandMaster)
            .WaitAsync(cancellationToken).ConfigureAwait(false);

        var events = new List<ChatEventPublished>();
        // Reply: null on timeout, else [[stream, [[id, [field, value, …]], …]]].
        if (reply.IsNull || reply.Length == 0)
        {
            return events;
        }
        var entries = reply[0][1];
        for (var i = 0; i < entries.Length; i++)
        {
            if (OutboxEntries.TryRead(entries[i], out var published))
            {
                events.Add(published);
            }
        }
        if (_barrier is not null && events.Count > 0)
        {
            // The server applied what XREAD returned before the barrier's marker write, so its WAIT covers them; a
            // connection failure or switch in between voids it (the entries may have come from a primary now gone).
            await _barrier.ConfirmAsync(generation).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionOptions).ConfigureAwait(false);
        if (durability.Replicas > 0)
        {
            _barrier = new ReplicaBarrier(connection, durability);
        }
        return connection;
    }
}
