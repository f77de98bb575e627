using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Problems;

public static class ChatProblemDetailsExtensions
{
    /// <summary>
    /// What every HTTP API of ChatMesh shares: enums on the wire in camelCase (room kinds as "public" / "private" /
    /// "direct", as in the event JSON), and problem details that always carry an <c>error</c> code, including the ones
    /// ASP.NET Core writes itself (see <see cref="StatusCodeErrors"/>), and 503 <c>store_unavailable</c> when Redis
    /// cannot serve a request for a moment (<see cref="StoreUnavailableHandler"/>); and <see cref="RequestBoundaryOptions"/>
    /// (<c>Chat:RequestBoundary</c>, validated on start) for the endpoints behind <see cref="RequestBoundary"/>.
    /// </summary>
    public static IServiceCollection AddChatProblemDetails(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase)));
        services.AddExceptionHandler<StoreUnavailableHandler>();
        services.AddOptions<RequestBoundaryOptions>().BindConfiguration(RequestBoundaryOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RequestBoundaryOptions>, RequestBoundaryOptionsValidator>());
        services.AddProblemDetails(problems =>
        {
            var previous = problems.CustomizeProblemDetails;
            problems.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                StatusCodeErrors.Customize(context);
            };
        });
        return services;
    }
}
