namespace ChatMesh.AppHost.Infrastructure;

/// <summary>The environment variables that bound the distribution ports of a <c>rabbitmqctl</c> run, and how many it gets.</summary>
internal static class RabbitMQCtlPorts
{
    public const string Min = "RABBITMQ_CTL_DIST_PORT_MIN";

    public const string Max = "RABBITMQ_CTL_DIST_PORT_MAX";

    /// <summary>Enough for the health check's and an operator's commands at once (each takes one port of the range).</summary>
    public const int Count = 10;
}
