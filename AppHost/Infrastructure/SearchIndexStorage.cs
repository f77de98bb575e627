using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>Where each gateway keeps its message search index under the AppHost: beside Redis's data in local mode.</summary>
internal static class SearchIndexStorage
{
    public const string DirectoryVariable = "Gateway__Search__Directory";

    /// <summary>
    /// In local mode, <c>{state slot}/search</c> (each gateway process takes its own <c>index-{n}</c> inside), so a
    /// restarted AppHost finds its indexes current with its Redis. Otherwise the gateway's own default applies.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSearchIndexStorage(this IResourceBuilder<ProjectResource> gateway)
    {
        var state = gateway.ApplicationBuilder.Services
            .FirstOrDefault(service => service.ServiceType == typeof(StateDirectory))?.ImplementationInstance as StateDirectory;
        return state is null ? gateway : gateway.WithEnvironment(DirectoryVariable, state.Sub("search"));
    }
}
