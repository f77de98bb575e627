using Microsoft.AspNetCore.Http.Features;

namespace ChatMesh.Notification.Feeds;

/// <summary>Response settings shared by <c>/sse</c> and <c>/stream</c>: nothing between us and the client may buffer or transform.</summary>
internal static class StreamResponse
{
    public static void Prepare(HttpResponse response, string contentType)
    {
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-cache, no-transform";
        // nginx and similar proxies buffer responses unless told not to.
        response.Headers["X-Accel-Buffering"] = "no";
        // Never compressed: a compressor would hold events back until its block fills.
        response.Headers.ContentEncoding = "identity";
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }
}
