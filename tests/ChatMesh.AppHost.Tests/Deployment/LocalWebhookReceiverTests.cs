namespace ChatMesh.AppHost.Tests.Deployment;

/// <summary>
/// <c>ChatMesh__Webhooks__AllowLocalReceivers=true ./chatmesh run</c> (docs/operations.md, "Trying webhooks locally"):
/// the integration service, and only it, is told to let webhooks reach this machine; by default nothing is allowed.
/// </summary>
public sealed class LocalWebhookReceiverTests
{
    private const string FirstRange = "Integration__Ssrf__AllowedRanges__0";

    [Fact]
    public async Task Local_receivers_are_refused_unless_the_AppHost_is_told_to_allow_them()
    {
        var (services, _) = await AppHostModel.LoadAsync(TestContext.Current.CancellationToken);

        Assert.All(services, service => Assert.False(service.Environment.ContainsKey(FirstRange), service.Name));
    }

    [Fact]
    public async Task AllowLocalReceivers_allow_lists_loopback_for_the_integration_service_only()
    {
        var (services, _) = await AppHostModel.LoadAsync(TestContext.Current.CancellationToken, "ChatMesh:Webhooks:AllowLocalReceivers=true");

        var integration = Assert.Single(services, service => service.Name == "integration");
        Assert.Equal("127.0.0.0/8", integration.Environment[FirstRange]);
        Assert.Equal("::1/128", integration.Environment["Integration__Ssrf__AllowedRanges__1"]);
        Assert.All(services.Where(service => service.Name != "integration"),
            service => Assert.False(service.Environment.ContainsKey(FirstRange), service.Name));
    }
}
