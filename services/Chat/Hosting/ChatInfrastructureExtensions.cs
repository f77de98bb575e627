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
    /// Registers the Redis multiplexer (with health check and tracing) and <see cref="OwnRedisConnections"/>, both on
    /// <c>Chat:Redis:SocketScheduler</c>, a MassTransit bus on RabbitMQ, and the shared
    /// <see cref="DeliveryMetrics"/>.
    /// </summary>
    public static TBuilder AddChatInfrastructure<TBuilder>(this TBuilder builder, Action<IBusRegistrationConfigurator>? configureBus = null)
        where TBuilder : IHostApplicationBuilder
    {
        // Read here so a typo refuses to start; the same scheduler goes to the connections components open of their own.
        var scheduler = RedisSocketSchedulers.Read(builder.Configuration, RedisSocketSchedulers.Default);
        builder.AddRedisClient(RedisConnectionName, configureOptions: options => RedisSocketSchedulers.Apply(options, scheduler));
        OwnRedisConnections.Register(builder.Services);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DeliveryMetrics>();

        var messaging = builder.Configuration.GetConnectionString(MessagingConnectionName)
            ?? throw new InvalidOperationException(
                $"ConnectionStrings:{MessagingConnectionName} (the RabbitMQ AMQP URI) is not configured. The AppHost sets it; " +
                $"outside the AppHost set ConnectionStrings__{MessagingConnectionName}=amqp://user:password@host:5672.");
        var connection = MessagingConnection.Parse(messaging, builder.Configuration[MessagingConnection.QuorumQueuesKey]);

        builder.Services.AddMassTransit(bus =>
        {
            configureBus?.Invoke(bus);
            if (connection.QuorumQueues)
            {
                bus.AddRabbitMqConfigureEndpointsCallback((context, queueName, endpoint) =>
                {
                    // A quorum queue is durable and replicated; the per-instance live queue is exclusive and dies with its
                    // connection by design (re-declared on reconnect, the gap repaired from the outbox: live-delivery.md).
                    if (context.GetService<LiveEvents.LiveEndpointName>()?.Value != queueName)
                    {
                        endpoint.SetQuorumQueue();
                    }
                });
            }

            bus.UsingRabbitMq((context, rabbit) =>
            {
                // The host address stays the first node's on every instance (MassTransit names endpoints after it); the
                // cluster list, which is what a connection actually tries, starts at this instance's turn.
                rabbit.Host(connection.Primary, host =>
                {
                    if (connection.Nodes.Count > 1)
                    {
                        // On a lost connection MassTransit reconnects to the next node of the list.
                        var first = MessagingNodeTurn.Take(context, connection.Nodes.Count);
                        host.UseCluster(cluster =>
                        {
                            foreach (var node in connection.NodeAddressesFrom(first))
                            {
                                cluster.Node(node);
                            }
                        });
                    }
                });
                if (connection.QuorumQueues)
                {
                    rabbit.SendTopology.ConfigureErrorSettings = error => error.SetQuorumQueue();
                    rabbit.SendTopology.ConfigureDeadLetterSettings = deadLetter => deadLetter.SetQuorumQueue();
                }

                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
