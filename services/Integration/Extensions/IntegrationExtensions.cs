using System.Text.Json;
using System.Text.Json.Serialization;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;
using ChatMesh.Integration.Attempts;
using ChatMesh.Integration.Delivery;
using ChatMesh.Integration.Endpoints;
using ChatMesh.Integration.Inbound;
using ChatMesh.Integration.Operations;
using ChatMesh.Integration.Ssrf;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Extensions;

/// <summary>Composition of the integration service: outbound webhooks (endpoints, delivery, attempts) and inbound hooks.</summary>
public static class IntegrationExtensions
{
    // Each event fans out to a handful of Redis calls; a few in parallel keep the queue moving without reordering concerns
    // (webhook receivers get no ordering guarantee, as with Svix).
    private const int ConsumerConcurrency = 8;

    // Endpoint and hook definitions are small; the inbound hook body has its own configurable cap.
    private const long MaxApiBodyBytes = 64 * 1024;

    /// <summary>The durable shared queue (competing consumers across replicas) that turns each event into deliveries once.</summary>
    public static IBusRegistrationConfigurator AddWebhookConsumer(this IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        // Redis briefly unreachable must not park an event in the error queue: retry in place (enqueueing is idempotent).
        bus.AddConsumer<WebhookEventConsumer>((_, consumer) => consumer.UseMessageRetry(retry =>
                retry.Exponential(10, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500))))
            .Endpoint(endpoint =>
        {
            endpoint.Name = WebhookEventConsumer.QueueName;
            endpoint.ConcurrentMessageLimit = ConsumerConcurrency;
        });
        return bus;
    }

    /// <summary>Options (validated on start), stores, the delivery workers, the SSRF-guarded sender, problem details and OpenAPI.</summary>
    public static WebApplicationBuilder AddIntegration(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var development = builder.Environment.IsDevelopment();
        services.AddOptions<IntegrationOptions>()
            .Bind(builder.Configuration.GetSection(IntegrationOptions.SectionName))
            .PostConfigure(options => options.Ssrf.RequireHttps ??= !development)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IntegrationOptions>, IntegrationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<TargetPolicy>();
        services.AddSingleton<TargetValidator>();
        services.AddSingleton<GuardedConnector>();
        services.AddSingleton<EndpointStore>();
        services.AddSingleton<EndpointRequestValidator>();
        services.AddSingleton<DeliveryQueue>();
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookTelemetry>();
        services.AddSingleton<AttemptLog>();
        services.AddSingleton<OperationalEventLog>();
        services.AddSingleton<DeliveryProcessor>();
        services.AddHostedService<DeliveryDispatcher>();
        services.AddSingleton<InboundHookStore>();
        // Files posted through inbound hooks go into the gateway's store, under the gateway's rules (Gateway:Attachments).
        services.AddAttachmentStore(builder.Configuration);

        services.AddChatProblemDetails();
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "ChatMesh webhooks API";
            document.Info.Description = "Outbound webhook endpoints, attempts and replays; inbound hooks. See docs/protocol.md#webhooks.";
            return Task.CompletedTask;
        }));
        return builder;
    }

    /// <summary>Maps <c>/api/webhooks/**</c> (authenticated; OpenAPI at <c>/api/webhooks/openapi/v1.json</c>) and <c>/hooks/{token}</c>.</summary>
    public static IEndpointRouteBuilder MapIntegration(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var api = routes.MapGroup(IntegrationPaths.Api)
            .RequireAuthorization()
            .WithRequestBoundary(_ => MaxApiBodyBytes)
            .AddEndpointFilter<ChatExceptionFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        api.MapEndpointRoutes();
        api.MapAttemptRoutes();
        api.MapOperationalEventRoutes();
        api.MapHookRoutes();

        routes.MapGroup("").AddEndpointFilter<ChatExceptionFilter>().MapHookReceiver();
        routes.MapOpenApi(IntegrationPaths.OpenApiPattern).AllowAnonymous();
        return routes;
    }
}
