using ChatMesh.Chat.Attachments;

namespace ChatMesh.Web.Client;

/// <summary>
/// Browser hardening headers on every answer of the edge: the client's pages get a strict Content-Security-Policy
/// (no inline script, no third-party origin, no framing), and nothing is MIME-sniffed or leaks its URL as a referrer.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>
    /// The policy. connect-src names the same-origin ws:/wss: URLs explicitly: 'self' covers them in CSP Level 3
    /// browsers, older ones need them spelled out.
    /// </summary>
    public static string ContentSecurityPolicy(HttpRequest request) =>
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
        $"connect-src 'self' ws://{request.Host} wss://{request.Host}; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            // Set as the answer starts, after YARP copied a service's own (the gateway's /files headers), so each header
            // has one value, the edge's: appended, "nosniff, nosniff" is not what a browser expects.
            context.Response.OnStarting(SetHeaders, context);
            return next(context);
        });

    private static Task SetHeaders(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(AttachmentHttp.DownloadPrefix, StringComparison.Ordinal)
            // Attachment downloads: sandboxed, nothing loads (docs/security.md).
            ? AttachmentHttp.DownloadContentSecurityPolicy
            : ContentSecurityPolicy(context.Request);
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        return Task.CompletedTask;
    }
}
