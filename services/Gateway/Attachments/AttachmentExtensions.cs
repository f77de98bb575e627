using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Attachments;

/// <summary>Composition of attachments: validated <see cref="AttachmentOptions"/>, the store it selects, and the endpoints.</summary>
public static class AttachmentExtensions
{
    /// <summary>
    /// Adds the store: S3-compatible when <c>ConnectionStrings:attachments</c> is set, else the file system under
    /// <c>Gateway:Attachments:Directory</c>.
    /// </summary>
    public static WebApplicationBuilder AddChatAttachments(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<AttachmentOptions>()
            .Bind(builder.Configuration.GetSection(AttachmentOptions.SectionName))
            .PostConfigure(options => options.S3ConnectionString ??= builder.Configuration.GetConnectionString(AttachmentOptions.ConnectionStringName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AttachmentOptions>, AttachmentOptionsValidator>());
        services.TryAddSingleton<IAttachmentStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<AttachmentOptions>>().Value;
            if (options.S3ConnectionString is { Length: > 0 } connection)
            {
                S3ConnectionString.TryParse(connection, out var s3);
                return new S3AttachmentStore(s3!);
            }

            return new FileSystemAttachmentStore(options.EffectiveDirectory);
        });
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
