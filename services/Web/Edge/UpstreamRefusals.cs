using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace ChatMesh.Web.Edge;

/// <summary>
/// Lets a service's refusal of a request body reach the user through the edge. A service answers a body over its cap
/// (413 <c>payload_too_large</c>) as soon as it sees the <c>Content-Length</c>, without reading the body, and closes
/// the connection; YARP (HTTP/1.1) sends the whole body before it reads an answer, so a body larger than the socket
/// buffers fails mid-send and the user got an empty 502 instead (docs/security.md row 83b; dotnet/yarp#2731). With
/// <c>Expect: 100-continue</c> on the proxied request the service's final answer comes before any body byte is sent.
/// </summary>
internal static class UpstreamRefusals
{
    public static void AddExpectContinue(TransformBuilderContext context) =>
        context.AddRequestTransform(transform =>
        {
            // Only a declared length can be refused before it is read; a chunked body is refused while it streams.
            if (transform.HttpContext.Request.ContentLength > 0)
            {
                transform.ProxyRequest.Headers.ExpectContinue = true;
            }

            return ValueTask.CompletedTask;
        });
}
