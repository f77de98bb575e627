using ChatMesh.Web.Client;

namespace ChatMesh.Web.Edge;

/// <summary>The web service as the one public origin: static client plus a reverse proxy to every other service.</summary>
internal static class EdgeExtensions
{
    public static WebApplicationBuilder AddChatEdge(this WebApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy()
            .LoadFromMemory(EdgeRoutes.Routes(), EdgeRoutes.Clusters())
            .AddTransforms(UpstreamRefusals.AddExpectContinue)
            .AddServiceDiscoveryDestinationResolver();
        return builder;
    }

    public static WebApplication MapChatEdge(this WebApplication app)
    {
        app.UseSecurityHeaders();
        app.UseWebSockets();
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapReverseProxy();
        return app;
    }
}
