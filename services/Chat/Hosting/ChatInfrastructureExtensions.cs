using ChatMesh.Chat.Telemetry;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.Hosting;

/// <summary>Connects a service to the shared state (Redis) and the event bus (RabbitMQ through MassTransit).</summary>
public static class ChatInfrastructureExtensions
{
    public const string RedisConnectionName = "redis";
    public const string MessagingConnectionName = "messaging";

    /// <summary>
    /// Registers the Redis multiplexer (with health check and tracing), a MassTransit bus on RabbitMQ, and the shared
    /// <see cref="DeliveryMetrics"/>.
    /// </summary>
    public static TBuilder AddChatInfrastructure<TBuilder>(this TBuilder builder, Action<IBusRegistrationConfigurator>? configureBus = null)
        where TBuilder : IHostApplicationBuilder
    {
        builder.AddRedisClient(RedisConnectionName);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DeliveryMetrics>();

        var messaging = builder.Configuration.GetConnectionString(MessagingConnectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{MessagingConnectionName} (the RabbitMQ AMQP URI) is not configured. The AppHost sets it; " +
                $"outside the AppHost set ConnectionStrings__{MessagingConnectionName}=amqp://user:password@host:5672.");
        if (!Uri.TryCreate(messaging, UriKind.Absolute, out var messagingUri))
        {
            throw new InvalidOperationException($"ConnectionStrings:{MessagingConnectionName} is not an absolute AMQP URI.");
        }

        builder.Services.AddMassTransit(bus =>
        {
            configureBus?.Invoke(bus);
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(messagingUri);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
