namespace ChatMesh.Chat.Hosting;

/// <summary>
/// <c>ConnectionStrings:messaging</c> parsed: one AMQP URI, or a comma-separated AMQP URI per node of a RabbitMQ
/// cluster (same user, password and virtual host on each), and whether durable queues are quorum queues
/// (<c>Chat:Messaging:QuorumQueues</c>; by default on exactly when more than one node is listed).
/// </summary>
public sealed record MessagingConnection(Uri Primary, IReadOnlyList<Uri> Nodes, bool QuorumQueues)
{
    public const string QuorumQueuesKey = "Chat:Messaging:QuorumQueues";

    public static MessagingConnection Parse(string connectionString, string? quorumQueues)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var nodes = new List<Uri>();
        foreach (var part in connectionString.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps" or "rabbitmq" or "rabbitmqs") || string.IsNullOrEmpty(uri.Host))
            {
                throw new InvalidOperationException(
                    $"ConnectionStrings:{ChatInfrastructureExtensions.MessagingConnectionName} must be an AMQP URI (amqp://user:password@host:5672/vhost) " +
                    "or a comma-separated AMQP URI per cluster node; one entry is not an absolute amqp://, amqps://, rabbitmq:// or rabbitmqs:// URI.");
            }

            nodes.Add(uri);
        }

        if (nodes.Count == 0)
        {
            throw new InvalidOperationException($"ConnectionStrings:{ChatInfrastructureExtensions.MessagingConnectionName} is empty.");
        }

        var primary = nodes[0];
        if (nodes.Any(node => node.UserInfo != primary.UserInfo || node.AbsolutePath != primary.AbsolutePath || node.Scheme != primary.Scheme))
        {
            throw new InvalidOperationException(
                $"ConnectionStrings:{ChatInfrastructureExtensions.MessagingConnectionName} lists cluster nodes with different schemes, users, " +
                "passwords or virtual hosts; every node of one cluster is reached with the same ones.");
        }

        bool quorum;
        if (string.IsNullOrWhiteSpace(quorumQueues))
        {
            quorum = nodes.Count > 1;
        }
        else if (!bool.TryParse(quorumQueues, out quorum))
        {
            throw new InvalidOperationException($"{QuorumQueuesKey} '{quorumQueues}' is not true or false.");
        }

        return new MessagingConnection(primary, nodes, quorum);
    }

    /// <summary>The nodes as MassTransit's cluster configuration names them: <c>host:port</c>.</summary>
    public IEnumerable<string> NodeAddresses => NodeAddressesFrom(0);

    /// <summary>
    /// The node addresses starting at node <paramref name="first"/> and wrapping around: the order a connection tries
    /// them in, so an instance given another first node connects there and, when it is lost, moves on to the next.
    /// </summary>
    public IEnumerable<string> NodeAddressesFrom(int first)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(first, Nodes.Count);
        return Enumerable.Range(0, Nodes.Count)
            .Select(i => Nodes[(first + i) % Nodes.Count])
            .Select(node => node.IsDefaultPort ? node.Host : $"{node.Host}:{node.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
    }
}
