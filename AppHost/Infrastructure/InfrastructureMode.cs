namespace ChatMesh.AppHost.Infrastructure;

/// <summary>How Redis and RabbitMQ are provided (configuration key <c>ChatMesh:Infrastructure:Mode</c>).</summary>
public enum InfrastructureMode
{
    /// <summary>Decide per resource: connection string, else a healthy container runtime, else local binaries.</summary>
    Auto,

    /// <summary>Use the servers named by <c>ConnectionStrings:redis</c> and <c>ConnectionStrings:messaging</c>.</summary>
    External,

    /// <summary>Aspire's Redis and RabbitMQ containers.</summary>
    Container,

    /// <summary><c>redis-server</c> and <c>rabbitmq-server</c> from this machine, started as executables.</summary>
    Local,
}

/// <summary>The mode chosen for one resource and why, for the start-up log.</summary>
public sealed record InfrastructureDecision(string Resource, InfrastructureMode Mode, string Reason);

/// <summary>Picks the infrastructure mode for a resource; pure, so it is unit-tested without a machine.</summary>
public static class InfrastructureModeSelector
{
    public static InfrastructureDecision Select(
        string resource,
        InfrastructureMode requested,
        string? configuredConnectionString,
        Func<ContainerRuntimeStatus> probeContainerRuntime)
    {
        var hasConnectionString = !string.IsNullOrWhiteSpace(configuredConnectionString);
        switch (requested)
        {
            case InfrastructureMode.External when !hasConnectionString:
                throw new InvalidOperationException(
                    $"ChatMesh:Infrastructure:Mode is External but ConnectionStrings:{resource} is not set. " +
                    $"Set ConnectionStrings__{resource} (environment) or ConnectionStrings:{resource} (configuration).");
            case InfrastructureMode.External:
                return new(resource, InfrastructureMode.External, $"forced by configuration; using ConnectionStrings:{resource}");
            case InfrastructureMode.Container:
                var forced = probeContainerRuntime();
                return forced.Healthy
                    ? new(resource, InfrastructureMode.Container, $"forced by configuration; container runtime {forced.Description}")
                    : throw new InvalidOperationException(
                        $"ChatMesh:Infrastructure:Mode is Container but no healthy container runtime was found: {forced.Description}.");
            case InfrastructureMode.Local:
                return new(resource, InfrastructureMode.Local, "forced by configuration");
            case InfrastructureMode.Auto:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown infrastructure mode.");
        }

        if (hasConnectionString)
        {
            return new(resource, InfrastructureMode.External, $"ConnectionStrings:{resource} is configured");
        }

        var runtime = probeContainerRuntime();
        return runtime.Healthy
            ? new(resource, InfrastructureMode.Container, $"container runtime {runtime.Description} is healthy")
            : new(resource, InfrastructureMode.Local, $"no connection string and no healthy container runtime ({runtime.Description})");
    }
}
