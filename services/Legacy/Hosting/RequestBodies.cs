using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatMesh.Legacy.Hosting;

/// <summary>The kinds of body <c>/poll</c> accepts: JSON for every route, forms for the sending routes.</summary>
internal enum BodyKind
{
    None,
    Json,
    Form,
    Unsupported,
}

/// <summary>Reads <c>/poll</c> request bodies; read failures surface as exceptions that <see cref="PollRequestBoundary"/> maps.</summary>
internal static class RequestBodies
{
    public static BodyKind KindOf(HttpRequest request)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.ContainsKey(HeaderNames.TransferEncoding)))
        {
            return BodyKind.None;
        }

        if (request.HasJsonContentType())
        {
            return BodyKind.Json;
        }

        return request.HasFormContentType ? BodyKind.Form : BodyKind.Unsupported;
    }

    public static async Task<T?> ReadJsonAsync<T>(HttpContext http)
    {
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await http.Request.ReadFromJsonAsync<T>(json, http.RequestAborted);
        }
        catch (InvalidOperationException exception) when (exception.InnerException is JsonException inner)
        {
            throw inner;
        }
    }
}
