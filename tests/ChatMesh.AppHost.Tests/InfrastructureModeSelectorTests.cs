using ChatMesh.AppHost.Infrastructure;

namespace ChatMesh.AppHost.Tests;

public sealed class InfrastructureModeSelectorTests
{
    private static readonly ContainerRuntimeStatus Healthy = new(true, "docker 28.2.2");
    private static readonly ContainerRuntimeStatus NoEngine = new(false, "'docker' is installed but its engine is not running");

    [Fact]
    public void Auto_uses_a_configured_connection_string_without_probing_containers()
    {
        var decision = InfrastructureModeSelector.Select("redis", InfrastructureMode.Auto, "cache.example:6379",
            () => throw new InvalidOperationException("must not probe"));

        Assert.Equal(InfrastructureMode.External, decision.Mode);
        Assert.Contains("ConnectionStrings:redis", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Auto_prefers_a_healthy_container_runtime_when_nothing_is_configured()
    {
        var decision = InfrastructureModeSelector.Select("messaging", InfrastructureMode.Auto, null, () => Healthy);

        Assert.Equal(InfrastructureMode.Container, decision.Mode);
        Assert.Contains("docker 28.2.2", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Auto_falls_back_to_local_binaries_without_connection_string_or_engine(string? connectionString)
    {
        var decision = InfrastructureModeSelector.Select("redis", InfrastructureMode.Auto, connectionString, () => NoEngine);

        Assert.Equal(InfrastructureMode.Local, decision.Mode);
        Assert.Contains("engine is not running", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_local_ignores_a_healthy_runtime_and_a_connection_string()
    {
        var decision = InfrastructureModeSelector.Select("redis", InfrastructureMode.Local, "cache.example:6379", () => Healthy);

        Assert.Equal(InfrastructureMode.Local, decision.Mode);
    }

    [Fact]
    public void Forced_external_without_connection_string_names_the_missing_setting()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            InfrastructureModeSelector.Select("messaging", InfrastructureMode.External, null, () => Healthy));

        Assert.Contains("ConnectionStrings__messaging", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forced_container_without_engine_fails_with_the_probe_result()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            InfrastructureModeSelector.Select("redis", InfrastructureMode.Container, null, () => NoEngine));

        Assert.Contains("engine is not running", error.Message, StringComparison.Ordinal);
    }
}
