using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.EventLog;

/// <summary>Registers the chat domain: validated <see cref="ChatOptions"/>, a clock and the Redis-backed <see cref="IChatService"/>.</summary>
public static class ChatDomainExtensions
{
    /// <summary>
    /// Adds <see cref="IChatService"/> over the <c>IConnectionMultiplexer</c> that
    /// <see cref="Hosting.ChatInfrastructureExtensions.AddChatInfrastructure{TBuilder}"/> (Aspire's Redis client) registers.
    /// </summary>
    public static TBuilder AddChatDomain<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddChatDomain(builder.Configuration.GetSection(ChatOptions.SectionName));
        return builder;
    }

    /// <summary>The same registration for callers without a host builder (tests, tools).</summary>
    public static IServiceCollection AddChatDomain(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration? section = null)
    {
        var options = services.AddOptions<ChatOptions>();
        if (section is not null)
        {
            options.Bind(section);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatOptions>, ChatOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisChatService>();
        services.TryAddSingleton<IChatService>(sp => sp.GetRequiredService<RedisChatService>());
        services.TryAddSingleton<Attachments.IAttachmentRegistry>(sp => sp.GetRequiredService<RedisChatService>());
        return services;
    }
}
