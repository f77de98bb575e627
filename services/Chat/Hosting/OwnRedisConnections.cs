using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace ChatMesh.Chat.Hosting;

/// <summary>
/// The options of the Redis connections a component opens besides the shared multiplexer (a blocking <c>XREAD</c> must not hold
/// up the shared one's queue): same endpoints, password and Sentinel service as the shared connection, and the same
/// <c>Chat:Redis:SocketScheduler</c>. <see cref="ConfigurationOptions.Parse(string)"/> of the shared connection's
/// configuration string alone would lose the scheduler (it is not part of the string) and fall back to the library's
/// dedicated threads. Every connection a service opens is Aspire's client (the shared one) or takes its options from
/// here (the outbox tail of the outbox publisher and of the gateway's search indexer), and both apply
/// <see cref="RedisSocketSchedulers.Apply"/>.
/// </summary>
public sealed class OwnRedisConnections(IConnectionMultiplexer shared, RedisSocketScheduler scheduler)
{
    /// <summary>The options of a connection of its own named <paramref name="clientName"/> (<c>CLIENT LIST</c>), not failing while Redis is down.</summary>
    public ConfigurationOptions OptionsFor(string clientName)
    {
        var options = ConfigurationOptions.Parse(shared.Configuration);
        options.ClientName = clientName;
        options.AbortOnConnectFail = false;
        RedisSocketSchedulers.Apply(options, scheduler);
        return options;
    }

    /// <summary>
    /// Registers <see cref="OwnRedisConnections"/> on the registered <see cref="IConnectionMultiplexer"/> and the configured
    /// scheduler (unless already registered); <c>AddChatInfrastructure</c> and the components that open own connections call it.
    /// </summary>
    public static IServiceCollection Register(IServiceCollection services)
    {
        services.TryAddSingleton(provider => new OwnRedisConnections(
            provider.GetRequiredService<IConnectionMultiplexer>(),
            RedisSocketSchedulers.Read(provider.GetRequiredService<IConfiguration>(), RedisSocketSchedulers.Default)));
        return services;
    }
}
