using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.LiveEvents;

/// <summary>Wires live delivery into a service that holds client connections (gateway, notification, legacy).</summary>
public static class LiveEventsExtensions
{
    // Deep enough to keep the consumer busy between broker round trips; order holds because one message runs at a time.
    private const int LivePrefetchCount = 256;

    /// <summary>
    /// Registers <see cref="LiveEventHub"/> (as <see cref="ILiveEventHub"/>), <see cref="IEphemeralSignals"/>,
    /// <see cref="LiveEventOptions"/> (section <c>Chat:LiveEvents</c>, validated on start), and consumers of
    /// <see cref="LiveEventBatchPublished"/> and <see cref="Events.EphemeralSignalPublished"/> on one receive
    /// endpoint per instance: a temporary (auto-delete, non-durable, exclusive) queue with a unique name bound to both
    /// fan-out exchanges, processing one message at a time so events are dispatched in the order published.
    /// Call it inside <c>AddChatInfrastructure(bus => bus.AddLiveEvents())</c>.
    /// </summary>
    public static IBusRegistrationConfigurator AddLiveEvents(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddOptions<LiveEventOptions>().BindConfiguration(LiveEventOptions.SectionName).ValidateOnStart();
        bus.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LiveEventOptions>, LiveEventOptionsValidator>());
        bus.TryAddSingleton<LiveEventMetrics>();
        bus.TryAddSingleton<LiveEventHub>();
        bus.TryAddSingleton<ILiveEventHub>(provider => provider.GetRequiredService<LiveEventHub>());
        bus.TryAddSingleton<IEphemeralSignals, EphemeralSignals>();
        bus.TryAddSingleton(TimeProvider.System);
        bus.AddHostedService<LiveEventCatchUp>();

        // Start accepting connections only once this instance's queue is bound: an event published before that would
        // reach neither the live stream nor (if committed after the client's replay read) the replay.
        bus.Configure<MassTransitHostOptions>(host => host.WaitUntilStarted = true);

        var endpointName = NewEndpointName();
        bus.TryAddSingleton(new LiveEndpointName(endpointName));
        bus.AddReceiveEndpointObserver<LiveEndpointObserver>();
        bus.AddConsumer<ChatEventBatchConsumer>().Endpoint(endpoint => ConfigureLiveEndpoint(endpoint, endpointName));
        bus.AddConsumer<EphemeralSignalConsumer>().Endpoint(endpoint => ConfigureLiveEndpoint(endpoint, endpointName));
        return bus;
    }

    private static void ConfigureLiveEndpoint(IEndpointRegistrationConfigurator endpoint, string name)
    {
        endpoint.Name = name;
        endpoint.Temporary = true;
        endpoint.ConcurrentMessageLimit = 1;
        endpoint.PrefetchCount = LivePrefetchCount;
        endpoint.AddRabbitMqConfigureEndpointCallback((_, rabbit) =>
        {
            // RabbitMQ reports such a queue as exclusive, not auto-delete (MassTransit declares exclusive queues without
            // the flag); exclusive is the stronger form: the broker deletes it as soon as this instance's connection closes.
            rabbit.AutoDelete = true;
            rabbit.Durable = false;
            rabbit.Exclusive = true;
        });
    }

    // One queue per instance (and per host in a test process); the name says whose it is in the management UI.
    private static string NewEndpointName() =>
        $"live-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}-{Guid.NewGuid():N}";
}
