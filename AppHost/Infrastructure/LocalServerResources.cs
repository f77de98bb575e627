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
