using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Puts a <see cref="CoalescingStream"/> under the <c>/ws</c> WebSocket: the HTTP/1.1 upgrade feature is wrapped before
/// ASP.NET Core's WebSocket middleware runs (it captures the feature then), so the standard handshake builds the
/// WebSocket over our stream. HTTP/2 WebSockets (extended CONNECT) keep writing each frame on its own.
/// </summary>
internal sealed class CoalescingUpgrade(IHttpUpgradeFeature inner, int maxCoalescedBytes) : IHttpUpgradeFeature
{
    /// <summary>The stream under the connection's WebSocket once upgraded; null before (or when not upgraded this way).</summary>
    public CoalescingStream? Stream { get; private set; }

    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var stream = new CoalescingStream(await inner.UpgradeAsync().ConfigureAwait(false), maxCoalescedBytes);
        Stream = stream;
        return stream;
    }

    /// <summary>
    /// Wraps the upgrade feature of <c>/ws</c> requests (coalescing when <c>MaxCoalescedBytes</c> is set, else only
    /// answering the per-frame flush, <see cref="FlushedWritesStream"/>); must run before <c>UseWebSockets</c>.
    /// </summary>
    public static IApplicationBuilder UseFor(IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<ChatWebSocketOptions>>().Value;
        return app.Use((context, next) =>
        {
            if (context.Request.Path.Equals(WebSocketEndpoint.Path, StringComparison.Ordinal)
                && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                context.Features.Set<IHttpUpgradeFeature>(options.MaxCoalescedBytes == 0
                    ? new FlushedWritesUpgrade(upgrade)
                    : new CoalescingUpgrade(upgrade, options.MaxCoalescedBytes));
            }

            return next(context);
        });
    }
}
