using ChatMesh.Chat.Attachments;

namespace ChatMesh.Gateway.Attachments;

/// <summary>Composition of attachments in the gateway: the shared store and intake, the sweeper, and the endpoints.</summary>
public static class AttachmentExtensions
{
    /// <summary>
    /// Adds the store (<see cref="AttachmentStoreExtensions.AddAttachmentStore"/>) and the <see cref="BlobSweeper"/>, which
    /// runs in every gateway (one sweeps per interval).
    /// </summary>
    public static WebApplicationBuilder AddChatAttachments(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddAttachmentStore(builder.Configuration);
        builder.Services.AddSingleton<BlobSweeper>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<BlobSweeper>());
        return builder;
    }

    /// <summary>Maps the endpoints, and opens the store now so a folder that cannot be created stops the start.</summary>
    public static IEndpointRouteBuilder MapChatAttachments(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.ServiceProvider.GetRequiredService<IAttachmentStore>();
        return endpoints.MapAttachmentEndpoints();
    }
}
