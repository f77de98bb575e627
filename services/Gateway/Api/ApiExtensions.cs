using System.Text.Json;
using System.Text.Json.Serialization;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;
using ChatMesh.Gateway.Api.Events;
using ChatMesh.Gateway.Api.Messages;
using ChatMesh.Gateway.Api.Rooms;
using ChatMesh.Gateway.Search;
using ChatMesh.Gateway.Typing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Api;

/// <summary>Composition of the REST chat API under <c>/api</c>.</summary>
public static class ApiExtensions
{
    public const string OpenApiPattern = ApiPaths.Prefix + "/openapi/{documentName}.json";

    /// <summary>
    /// Registers the chat domain (<see cref="IChatService"/>; idempotent), validated <see cref="ChatApiOptions"/>
    /// (<c>Gateway:Api</c>), the JSON shape of the API and its OpenAPI document.
    /// </summary>
    public static WebApplicationBuilder AddChatApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddChatDomain();
        var services = builder.Services;

        services.AddOptions<ChatApiOptions>()
            .Bind(builder.Configuration.GetSection(ChatApiOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatApiOptions>, ChatApiOptionsValidator>());

        services.TryAddSingleton<TypingRelay>();
        services.AddChatProblemDetails();
        services.AddOpenApi(openApi => openApi.AddDocumentTransformer<ChatApiDocumentTransformer>());
        return builder;
    }

    /// <summary>
    /// Maps the chat API under <c>/api</c>: every endpoint requires an authenticated user, refusals become problem details
    /// with an <c>error</c> code, bodies are capped. The OpenAPI document is at <c>/api/openapi/v1.json</c>.
    /// </summary>
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var api = endpoints.MapGroup(ApiPaths.Prefix)
            .RequireAuthorization()
            .WithRequestBoundary(services => services.GetRequiredService<IOptions<ChatApiOptions>>().Value.MaxRequestBodyBytes)
            .AddEndpointFilter<ChatExceptionFilter>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        api.MapRoomEndpoints();
        api.MapModerationEndpoints();
        api.MapMessageEndpoints();
        api.MapEventEndpoints();
        api.MapSearchEndpoints();

        // The API description holds no user data, and code generators fetch it without a token.
        endpoints.MapOpenApi(OpenApiPattern).AllowAnonymous();
        return endpoints;
    }
}
