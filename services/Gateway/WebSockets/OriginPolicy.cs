namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// Cross-site WebSocket hijacking defence. Browsers always send Origin on a WebSocket handshake and cannot forge
/// it; non-browser clients send none and are allowed. Same origin means the host the client connected to —
/// the edge's host, which YARP forwards as X-Forwarded-Host — or one of the configured origins.
/// </summary>
internal static class OriginPolicy
{
    public static bool IsAllowed(HttpRequest request, ChatWebSocketOptions options)
    {
        var origin = request.Headers.Origin.ToString();
        if (string.IsNullOrEmpty(origin))
        {
            return true;
        }

        if (!Uri.TryCreate(origin, UriKind.Absolute, out var originUri))
        {
            return false;
        }

        if (options.AllowedOrigins.Any(allowed => Uri.TryCreate(allowed, UriKind.Absolute, out var uri)
                && Uri.Compare(uri, originUri, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0))
        {
            return true;
        }

        var forwardedHost = request.Headers["X-Forwarded-Host"].ToString();
        var host = string.IsNullOrEmpty(forwardedHost) ? request.Host.Value : forwardedHost.Split(',')[0].Trim();
        return string.Equals(originUri.Authority, host, StringComparison.OrdinalIgnoreCase);
    }
}
