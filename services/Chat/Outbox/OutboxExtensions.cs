using ChatMesh.Chat.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Outbox;

/// <summary>Registers the ordered outbox publisher in a service that writes events.</summary>
public static class OutboxExtensions
{
    /// <summary>
    /// Adds <see cref="OutboxPublisher"/> as a hosted service with <see cref="OutboxOptions"/> bound to <c>Chat:Outbox</c>
    /// and validated on start. Needs the Redis multiplexer and the MassTransit bus (<c>AddChatInfrastructure</c>).
    /// </summary>
    public static IServiceCollection AddChatOutboxPublisher(this IServiceCollection services)
    {
        services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OutboxOptions>, OutboxOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        OwnRedisConnections.Register(services);
        services.TryAddSingleton<OutboxPublisher>();
        services.AddHostedService(provider => provider.GetRequiredService<OutboxPublisher>());
        return services;
    }
}
