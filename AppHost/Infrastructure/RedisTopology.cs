namespace ChatMesh.AppHost.Infrastructure;

/// <summary>How local mode runs Redis (configuration key <c>ChatMesh:Infrastructure:Redis</c>).</summary>
public enum RedisTopology
{
    /// <summary>One <c>redis-server</c> (the default).</summary>
    Single,

    /// <summary>A primary, a replica and three Sentinels; writes are acknowledged once the replica has them.</summary>
    Sentinel,
}

public static class RedisTopologies
{
    public const string ConfigurationKey = "ChatMesh:Infrastructure:Redis";

    /// <summary>Reads the topology; throws on an unknown value or on Sentinel with a Redis this AppHost does not start.</summary>
    public static RedisTopology Select(string? configured, InfrastructureMode redisMode)
    {
        var topology = RedisTopology.Single;
        if (!string.IsNullOrWhiteSpace(configured) && (!Enum.TryParse(configured, ignoreCase: true, out topology) || !Enum.IsDefined(topology)))
        {
            throw new InvalidOperationException(
                $"{ConfigurationKey} '{configured}' is not one of {string.Join(", ", Enum.GetNames<RedisTopology>())}.");
        }

        if (topology == RedisTopology.Sentinel && redisMode != InfrastructureMode.Local)
        {
            throw new InvalidOperationException(
                $"{ConfigurationKey}=Sentinel needs local mode (Redis is {redisMode}). For an existing Sentinel deployment set " +
                "ConnectionStrings__redis to its Sentinels with serviceName= (docs/deployment.md) and Chat__Durability__Replicas on the services.");
        }

        return topology;
    }
}
