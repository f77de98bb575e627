using System.Text.Json;

namespace ChatMesh.Client.Channels;

/// <summary>Reads an RFC 9457 problem details answer into a <see cref="ChatMeshException"/> with the server's <c>error</c> code.</summary>
internal static class Problems
{
    public static async Task<ChatMeshException> ReadAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false);
        string? code = null;
        string? detail = null;
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object)
            {
                code = ChatEvent.String(problem.RootElement, "error");
                detail = ChatEvent.String(problem.RootElement, "detail") ?? ChatEvent.String(problem.RootElement, "title");
            }
        }
        catch (JsonException)
        {
            // Not problem details (a proxy's page, an empty 404): the status alone says what happened.
        }

        code ??= status switch
        {
            404 => "not_found",
            401 => "token_invalid",
            _ => $"http_{status}",
        };
        return new ChatMeshException(code, detail ?? $"{(int)response.StatusCode} {response.ReasonPhrase}: {code}", status);
    }
}
