using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ChatMesh.Chat.Hosting;

/// <summary>
/// Which RabbitMQ cluster node an instance connects to first. MassTransit walks its node list in order from the first
/// (a lost connection moves to the next), so with one list every instance would sit on the first node and move all at
/// once when it is lost. Instances take turns instead: each takes the next value of the Redis counter
/// <see cref="Key"/> at start and begins the list at that node (turn mod node count), so instances started in a row
/// land on different nodes and the connections spread evenly; when Redis does not answer, a random node.
/// </summary>
public static partial class MessagingNodeTurn
{
    /// <summary>The counter instances take their turn from (<c>INCR</c>; its value only matters modulo the node count).</summary>
    public const string Key = "chat:messaging:node-turn";

    /// <summary>The index of the node this instance starts at, in [0, <paramref name="nodeCount"/>).</summary>
    public static int Take(IServiceProvider services, int nodeCount)
    {
        if (nodeCount <= 1)
        {
            return 0;
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MessagingNodeTurn));
        try
        {
            var turn = services.GetRequiredService<IConnectionMultiplexer>().GetDatabase().StringIncrement(Key);
            var first = (int)((turn - 1) % nodeCount);
            LogTurn(logger, first, turn.ToString(CultureInfo.InvariantCulture));
            return first;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            var first = Random.Shared.Next(nodeCount);
            LogRandom(logger, exception, first);
            return first;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ cluster: this instance connects to node {Node} of the list first (turn {Turn})")]
    private static partial void LogTurn(ILogger logger, int node, string turn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ cluster: no turn from Redis; this instance connects to node {Node} of the list first (random)")]
    private static partial void LogRandom(ILogger logger, Exception exception, int node);
}
