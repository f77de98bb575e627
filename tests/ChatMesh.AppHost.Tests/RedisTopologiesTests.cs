using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.AppHost.Tests;

public sealed class RedisTopologiesTests
{
    [Theory]
    [InlineData(null, InfrastructureMode.Local)]
    [InlineData("", InfrastructureMode.External)]
    [InlineData("Single", InfrastructureMode.Container)]
    public void Single_is_the_default_in_every_mode(string? configured, InfrastructureMode mode) =>
        Assert.Equal(RedisTopology.Single, RedisTopologies.Select(configured, mode));

    [Theory]
    [InlineData("Sentinel")]
    [InlineData("sentinel")]
    public void Sentinel_is_chosen_in_local_mode(string configured) =>
        Assert.Equal(RedisTopology.Sentinel, RedisTopologies.Select(configured, InfrastructureMode.Local));

    [Theory]
    [InlineData(InfrastructureMode.External)]
    [InlineData(InfrastructureMode.Container)]
    public void Sentinel_outside_local_mode_stops_the_AppHost_pointing_at_the_connection_string(InfrastructureMode mode)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RedisTopologies.Select("Sentinel", mode));
        Assert.Contains("ConnectionStrings__redis", error.Message, StringComparison.Ordinal);
        Assert.Contains("Chat__Durability__Replicas", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Cluster")]
    [InlineData("3")]
    public void An_unknown_value_stops_the_AppHost_naming_the_key(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RedisTopologies.Select(configured, InfrastructureMode.Local));
        Assert.Contains(RedisTopologies.ConfigurationKey, error.Message, StringComparison.Ordinal);
    }
}
