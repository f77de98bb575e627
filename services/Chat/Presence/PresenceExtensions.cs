using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Presence;

public static class PresenceExtensions
{
    /// <summary>Registers the connection registry (per-user caps, presence, crash sweeps) and its options.</summary>
    public static TBuilder AddChatPresence<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<PresenceOptions>().Bind(builder.Configuration.GetSection(PresenceOptions.SectionName)).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PresenceOptions>, PresenceOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<PresenceAnnouncer>();
        builder.Services.TryAddSingleton<ConnectionRegistry>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ConnectionRegistry>());
        return builder;
    }
}
