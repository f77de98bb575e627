using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// The attachment store and intake for every service that stores files: validated <see cref="AttachmentOptions"/>
/// (<c>Gateway:Attachments</c>), the store they select, the blob index and <see cref="AttachmentIntake"/>.
/// </summary>
public static class AttachmentStoreExtensions
{
    /// <summary>
    /// S3-compatible when <c>ConnectionStrings:attachments</c> is set, else the file system under
    /// <c>Gateway:Attachments:Directory</c>. Needs the chat domain (<see cref="IAttachmentRegistry"/>) and Redis.
    /// </summary>
    public static IServiceCollection AddAttachmentStore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AttachmentOptions>()
            .Bind(configuration.GetSection(AttachmentOptions.SectionName))
            .PostConfigure(options => options.S3ConnectionString ??= configuration.GetConnectionString(AttachmentOptions.ConnectionStringName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AttachmentOptions>, AttachmentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
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
        services.TryAddSingleton<BlobIndex>();
        services.TryAddSingleton<AttachmentIntake>();
        return services;
    }
}
