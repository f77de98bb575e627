using System.Text.Json;

namespace ChatMesh.Client.Channels;

/// <summary>Reads an RFC 9457 problem details answer into a <see cref="ChatMeshException"/> with the server's <c>error</c> code.</summary>
internal static class Problems
{
    public const string RetryAfterMember = "retryAfterMs";

    public static async Task<ChatMeshException> ReadAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        var body = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
        var header = response.Headers.RetryAfter?.Delta;
        return FromBody((int)response.StatusCode, response.ReasonPhrase, body, retryAfter: header);
    }

    /// <summary>The refusal a <paramref name="status"/> and its body say; without problem details, a code from the status.</summary>
    public static ChatMeshException FromBody(int status, string? reasonPhrase, string? body, Func<int, string>? codeOfStatus = null, TimeSpan? retryAfter = null)
    {
        string? code = null;
        string? detail = null;
        try
        {
            using var problem = JsonDocument.Parse(string.IsNullOrEmpty(body) ? "null" : body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object)
            {
                code = ChatEvent.String(problem.RootElement, "error");
                detail = ChatEvent.String(problem.RootElement, "detail") ?? ChatEvent.String(problem.RootElement, "title");
                // The body's milliseconds are exact; the header is whole seconds, rounded up.
                retryAfter = RetryAfter(problem.RootElement) ?? retryAfter;
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page, an empty 404): the status alone says what happened.
        }

        code ??= codeOfStatus?.Invoke(status) ?? status switch
        {
            404 => "not_found",
            401 => "token_invalid",
            _ => $"http_{status}",
        };
        return new ChatMeshException(code, detail ?? $"{status} {reasonPhrase}: {code}", status) { RetryAfter = retryAfter };
    }

    /// <summary>The <c>retryAfterMs</c> member of a problem details body or an error frame, if any.</summary>
    public static TimeSpan? RetryAfter(JsonElement root) =>
        root.TryGetProperty(RetryAfterMember, out var wait) && wait.ValueKind == JsonValueKind.Number && wait.TryGetInt64(out var ms) && ms >= 0
            ? TimeSpan.FromMilliseconds(ms)
            : null;
}
