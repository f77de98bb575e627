using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>Where the gateway keeps attachment bytes under the AppHost: beside Redis's and RabbitMQ's data in local mode.</summary>
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
            // An S3-compatible store for every gateway replica (docs/operations.md, Attachments).
            return gateway.WithReference(builder.AddConnectionString(ConnectionStringName));
        }

        var state = gateway.ApplicationBuilder.Services
            .FirstOrDefault(service => service.ServiceType == typeof(StateDirectory))?.ImplementationInstance as StateDirectory;
        return state is null ? gateway : gateway.WithEnvironment(DirectoryVariable, state.Sub("attachments"));
    }
}
