using System.Text.Json;
using System.Text.Json.Serialization;
using ChatMesh.Chat.Presence;
using ChatMesh.Chat.Problems;
using ChatMesh.Legacy.EventQueues;
using ChatMesh.Legacy.Identity;
using ChatMesh.Legacy.Polling;
using ChatMesh.Legacy.Sending;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Hosting;

/// <summary>Composition of the long-polling service under <c>/poll</c>.</summary>
public static class LegacyExtensions
{
    public const string Prefix = "/poll";

    /// <summary>
    /// Registers validated <see cref="LegacyOptions"/> (<c>Legacy</c>), the Redis event queues, the poller and problem details
    /// with <c>error</c> codes. The chat domain, live events, the outbox publisher and authentication are added by Program.
    /// </summary>
    public static WebApplicationBuilder AddLegacyPolling(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<LegacyOptions>()
            .Bind(builder.Configuration.GetSection(LegacyOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LegacyOptions>, LegacyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EventQueueStore>();
        services.AddSingleton<LongPoller>();
        // Queues polled here lately, so a caught-up re-poll needs no Redis round trip; their writes go in batches.
        services.AddSingleton<QueueWrites>();
        services.AddSingleton<LocalQueues>();
        services.AddHostedService(static provider => provider.GetRequiredService<LocalQueues>());
        services.AddSingleton<PollMetrics>();
        services.AddSingleton<PollRequestBoundary>();
        services.AddSingleton<PollPresence>();
        // An event queue is a connection in the shared presence registry, so long-poll users show as online.
        builder.AddChatPresence();
        services.AddLegacyAuthentication();
        // A poll's own request span is sampled (Legacy:PollSpanRatio); the traces of user actions are not.
        services.AddPollSpanSampling();

        services.AddChatProblemDetails();
        return builder;
    }

    /// <summary>Maps <c>/poll</c>: event queues, polls and sends; every route requires an authenticated user.</summary>
    public static IEndpointRouteBuilder MapLegacyPolling(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var poll = endpoints.MapGroup(Prefix)
            .RequireAuthorization()
            .AddEndpointFilter<PollRequestBoundary>()
            .AddEndpointFilter<ChatExceptionFilter>();
        poll.MapQueueEndpoints();
        poll.MapSendEndpoints();
        // The poll, the one route a client calls again after every answer, without endpoint filters: it does their work
        // itself (the instance header and body cap, the problem details of a refused command), so a re-poll builds no
        // filter pipeline (an invocation context, its arguments boxed, two more state machines held for the whole hold).
        endpoints.MapGroup(Prefix)
            .RequireAuthorization()
            .MapPollEndpoints();
        return endpoints;
    }
}
