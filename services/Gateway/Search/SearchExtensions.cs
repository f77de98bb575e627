using ChatMesh.Chat.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Search;

/// <summary>Composition of message search: validated <see cref="SearchOptions"/>, this process's index, its indexer and its operator endpoints.</summary>
public static class SearchExtensions
{
    public static WebApplicationBuilder AddChatSearch(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SearchOptions>()
            .Bind(builder.Configuration.GetSection(SearchOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SearchOptions>, SearchOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SearchIndexHost>();
        services.TryAddSingleton<SearchRebuildState>();
        services.TryAddSingleton<SearchRebuild>();
        services.TryAddSingleton<MessageSearch>();
        OwnRedisConnections.Register(services);
        services.AddHostedService<SearchIndexer>();
        return builder;
    }

    /// <summary>
    /// Maps <c>/operations/search</c> (the index's status, a rebuild on demand) when <see cref="SearchOptions.OperatorKey"/>
    /// is set; outside <c>/api</c>, so the edge never routes a user there.
    /// </summary>
    public static IEndpointRouteBuilder MapChatSearchOperations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapSearchOperationsEndpoints();
    }

    /// <summary>Opens the index now, so a folder that cannot be created or locked stops the start.</summary>
    public static IEndpointRouteBuilder UseChatSearchIndex(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _ = endpoints.ServiceProvider.GetRequiredService<SearchIndexHost>().Index;
        return endpoints;
    }
}
