namespace ChatMesh.AppHost.Infrastructure;

/// <summary><c>redis-server</c> run from this machine, exposing the connection string services expect.</summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory, int port, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public int Port { get; } = port;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"127.0.0.1:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)},password={password}");
}

/// <summary><c>rabbitmq-server</c> run from this machine, exposing an AMQP URI as its connection string.</summary>
public sealed class LocalRabbitMQResource(string name, string command, string workingDirectory, int port, string userName, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public int Port { get; } = port;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://{userName}:{password}@127.0.0.1:{Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
}

/// <summary>
/// Redis with Sentinel from this machine (<c>ChatMesh:Infrastructure:Redis=Sentinel</c>): this resource is the first
/// primary; its connection string names the Sentinels (StackExchange.Redis asks them for the current primary and
/// follows a failover), so services keep working when a replica is promoted.
/// </summary>
public sealed class LocalRedisSentinelResource(
    string name, string command, string workingDirectory, int port, IReadOnlyList<int> replicaPorts, IReadOnlyList<int> sentinelPorts, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    /// <summary>The Sentinels' name for the monitored primary.</summary>
    public const string ServiceName = "chatmesh";

    /// <summary>Replicas started beside the primary: one more than <see cref="Replicas"/>, so one failover leaves a replica to confirm writes.</summary>
    public const int ReplicaCount = 2;

    /// <summary>The first primary's port (after a failover a replica's, per the Sentinels).</summary>
    public int Port { get; } = port;

    public IReadOnlyList<int> ReplicaPorts { get; } = replicaPorts;

    public IReadOnlyList<int> SentinelPorts { get; } = sentinelPorts;

    /// <summary>Replicas that confirm each write before it is acknowledged (services get it as <c>Chat:Durability:Replicas</c>).</summary>
    public int Replicas => 1;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{string.Join(',', SentinelPorts.Select(p => "127.0.0.1:" + p.ToString(System.Globalization.CultureInfo.InvariantCulture)))},serviceName={ServiceName},password={password}");
}
