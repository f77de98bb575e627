using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ChatMesh.Gateway.Api;

/// <summary>Names the API and declares the bearer token every chat endpoint requires.</summary>
internal sealed class ChatApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string SchemeName = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Info.Title = "ChatMesh chat API";
        document.Info.Description =
            "REST chat API of the ChatMesh gateway. Errors are RFC 9457 problem details with an 'error' code; see docs/rest-api.md.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A token from POST /api/auth/sign-in (or the chatmesh_token cookie).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, document)] = [] });
        return Task.CompletedTask;
    }
}
