using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.EndToEnd.Tests.Support;

/// <summary>One running instance of a replicated service, reachable directly (not through the Aspire proxy).</summary>
public sealed record Replica(string ResourceId, Uri Address);

/// <summary>Finds a service's running replicas and the address each listens on, bypassing Aspire's load-balancing proxy.</summary>
public static class Replicas
{
    public static IResource Resource(ChatMeshAppFixture fixture, string name) =>
        fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == name);

    /// <summary>
    /// The running replicas of <paramref name="name"/>, each with the address from its own <c>ASPNETCORE_URLS</c>: a
    /// connection there reaches exactly that instance, with no proxy buffering between the test and the service.
    /// </summary>
    public static async Task<IReadOnlyList<Replica>> RunningAsync(ChatMeshAppFixture fixture, string name)
    {
        // The watch starts with every resource's current state; a second is plenty to receive them (no need to wait for changes).
        var latest = new Dictionary<string, CustomResourceSnapshot>(StringComparer.Ordinal);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        window.CancelAfter(TimeSpan.FromSeconds(1));
        try
        {
            await foreach (var update in fixture.App.ResourceNotifications.WatchAsync(window.Token))
            {
                if (update.Resource.Name == name)
                {
                    latest[update.ResourceId] = update.Snapshot;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        return [.. latest
            .Where(entry => entry.Value.State?.Text == KnownResourceStates.Running)
            .Select(entry => (entry.Key, Urls: entry.Value.EnvironmentVariables.FirstOrDefault(variable => variable.Name == "ASPNETCORE_URLS")?.Value))
            .Where(entry => entry.Urls is not null)
            .Select(entry => new Replica(entry.Key, new Uri(entry.Urls!.Split(';')[0])))
            .OrderBy(replica => replica.ResourceId, StringComparer.Ordinal)];
    }
}
