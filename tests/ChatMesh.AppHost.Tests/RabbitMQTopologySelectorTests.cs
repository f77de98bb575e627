using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.AppHost.Tests;

public sealed class RabbitMQTopologySelectorTests
{
    [Theory]
    [InlineData(null, InfrastructureMode.Local)]
    [InlineData("", InfrastructureMode.External)]
    [InlineData("Single", InfrastructureMode.Container)]
    public void Single_is_the_default_in_every_mode(string? configured, InfrastructureMode mode) =>
        Assert.Equal(RabbitMQTopology.Single, RabbitMQTopologySelector.Select(configured, mode));

    [Theory]
    [InlineData("Cluster")]
    [InlineData("cluster")]
    public void Cluster_is_chosen_in_local_mode(string configured) =>
        Assert.Equal(RabbitMQTopology.Cluster, RabbitMQTopologySelector.Select(configured, InfrastructureMode.Local));

    [Theory]
    [InlineData(InfrastructureMode.External)]
    [InlineData(InfrastructureMode.Container)]
    public void Cluster_outside_local_mode_stops_the_AppHost_pointing_at_the_host_list(InfrastructureMode mode)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RabbitMQTopologySelector.Select("Cluster", mode));
        Assert.Contains("ConnectionStrings:messaging", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Three")]
    [InlineData("7")]
    public void An_unknown_value_stops_the_AppHost_naming_the_key(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RabbitMQTopologySelector.Select(configured, InfrastructureMode.Local));
        Assert.Contains(RabbitMQTopologySelector.Key, error.Message, StringComparison.Ordinal);
    }
}
