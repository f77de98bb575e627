using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Outbox;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>What a test host runs: the outbox publisher, live delivery, or both (like a real service instance).</summary>
[Flags]
internal enum HostRoles
{
    Publisher = 1,
    Live = 2,
    Both = Publisher | Live,
}

/// <summary>Starts a generic host with a real MassTransit bus on the test RabbitMQ and a client of the test Redis.</summary>
internal static class LiveTestHost
{
    public static async Task<IHost> StartAsync(RedisProcess redis, RabbitMqServerFixture rabbit, HostRoles roles, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ChatInfrastructureExtensions.RedisConnectionName}"] = redis.ConnectionString,
            [$"ConnectionStrings:{ChatInfrastructureExtensions.MessagingConnectionName}"] = rabbit.ConnectionString,
            // Short lease so a failover test takes seconds, not the production 5 s + renew.
            ["Chat:Outbox:LeaseDuration"] = "00:00:02",
            ["Chat:Outbox:RenewInterval"] = "00:00:00.2",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddChatInfrastructure(bus =>
        {
            if (roles.HasFlag(HostRoles.Live))
            {
                bus.AddLiveEvents();
            }
        });
        if (roles.HasFlag(HostRoles.Publisher))
        {
            builder.Services.AddChatOutboxPublisher();
        }
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }
}
