using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Search;

/// <summary>Composition of message search: validated <see cref="SearchOptions"/>, this process's index and its indexer.</summary>
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
        services.TryAddSingleton<SearchRebuild>();
        services.TryAddSingleton<MessageSearch>();
        services.AddHostedService<SearchIndexer>();
        return builder;
    }

    /// <summary>Opens the index now, so a folder that cannot be created or locked stops the start.</summary>
    public static IEndpointRouteBuilder UseChatSearchIndex(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _ = endpoints.ServiceProvider.GetRequiredService<SearchIndexHost>().Index;
        return endpoints;
    }
}
