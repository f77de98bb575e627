using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>
/// Where the gateway (and the integration service, for files posted through inbound hooks) keep attachment bytes under
/// the AppHost: beside Redis's and RabbitMQ's data in local mode.
/// </summary>
internal static class AttachmentStorage
{
    public const string DirectoryVariable = "Gateway__Attachments__Directory";
    public const string ConnectionStringName = "attachments";

    /// <summary>
    /// In local mode, <c>{state slot}/attachments</c>, so a restarted AppHost finds its files again (as Redis finds its
    /// data). Otherwise the gateway's own default applies, or <c>ConnectionStrings:attachments</c> selects an S3 store.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAttachmentStorage(this IResourceBuilder<ProjectResource> gateway)
    {
        var builder = gateway.ApplicationBuilder;
        if (!string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionStringName)))
        {
            // An S3-compatible store for every gateway replica and the integration service (docs/operations.md, Attachments):
            // one connection-string resource, referenced by each service that stores files.
            var connection = builder.Resources.OfType<IResourceWithConnectionString>().FirstOrDefault(r => r.Name == ConnectionStringName) is { } existing
                ? builder.CreateResourceBuilder(existing)
                : builder.AddConnectionString(ConnectionStringName);
            return gateway.WithReference(connection);
        }

        var state = gateway.ApplicationBuilder.Services
            .FirstOrDefault(service => service.ServiceType == typeof(StateDirectory))?.ImplementationInstance as StateDirectory;
        return state is null ? gateway : gateway.WithEnvironment(DirectoryVariable, state.Sub("attachments"));
    }
}
