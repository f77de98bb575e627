using System.Globalization;
using ChatMesh.Chat.Events;
using StackExchange.Redis;

namespace ChatMesh.Chat.Outbox;

/// <summary>
/// Tails the outbox with <c>XREAD COUNT n BLOCK t</c> on a connection of its own. A blocking command holds up every
/// command queued behind it on a StackExchange.Redis connection, so it must not share the application's multiplexer;
/// on its own connection it returns at once when entries are waiting (no polling delay when busy) and parks
/// server-side when idle (no spinning). The block timeout stays well under the client's 5 s command timeout.
/// </summary>
public sealed class OutboxTailReader(IConnectionMultiplexer shared) : IAsyncDisposable
{
    private ConnectionMultiplexer? _connection;

    /// <summary>Reads up to <paramref name="count"/> entries after <paramref name="afterId"/>, waiting up to <paramref name="block"/> for the first.</summary>
    public async Task<List<ChatEventPublished>> ReadAfterAsync(long afterId, int count, TimeSpan block, CancellationToken cancellationToken)
    {
        var connection = _connection ??= await ConnectAsync().ConfigureAwait(false);
        var reply = await connection.GetDatabase().ExecuteAsync(
            "XREAD",
            "COUNT", count.ToString(CultureInfo.InvariantCulture),
            "BLOCK", ((long)block.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            "STREAMS", OutboxKeys.Stream, OutboxEntries.StreamId(afterId))
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
        var options = ConfigurationOptions.Parse(shared.Configuration);
        options.ClientName = "chatmesh-outbox-tail";
        options.AbortOnConnectFail = false;
        return await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
    }
}
