using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ChatMesh.Client.Channels;

/// <summary>The REST calls the client makes (docs/rest-api.md), each with the current token.</summary>
internal sealed class RestApi(HttpClient http, Func<string> token)
{
    public HttpClient Http => http;

    public static async Task<(string Token, string UserId)> SignInAsync(HttpClient http, string userName, CancellationToken cancel)
    {
        using var content = Json(writer =>
        {
            writer.WriteString("userName", userName);
        });
        using var response = await http.PostAsync(new Uri("/api/auth/sign-in", UriKind.Relative), content, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await Problems.ReadAsync(response, cancel).ConfigureAwait(false);
        }

        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false));
        return (body.RootElement.GetProperty("token").GetString()!, body.RootElement.GetProperty("userId").GetString()!);
    }

    /// <summary>POST /api/rooms/{room}/messages with <c>Idempotency-Key</c>: a repeat answers the original id.</summary>
    public async Task<long> PostMessageAsync(string room, string text, IReadOnlyList<string> attachments, string key, CancellationToken cancel)
    {
        using var request = Authorized(HttpMethod.Post, $"{Room(room)}/messages");
        request.Headers.Add("Idempotency-Key", key);
        request.Content = Json(writer =>
        {
            writer.WriteString("text", text);
            WriteAttachments(writer, attachments);
        });
        using var body = await SendAsync(request, cancel).ConfigureAwait(false);
        return body.RootElement.GetProperty("id").GetInt64();
    }

    /// <summary>A write answered with <c>{"eventId"}</c> (join, leave, read, edit, delete, reactions, moderation): returns that id.</summary>
    public Task<long> WriteAsync(HttpMethod method, string path, Action<Utf8JsonWriter>? json, CancellationToken cancel) =>
        ReadAsync(method, path, json, body => body.GetProperty("eventId").GetInt64(), cancel);

    /// <summary>A call with an optional JSON body whose JSON answer <paramref name="read"/> turns into the result.</summary>
    public async Task<T> ReadAsync<T>(HttpMethod method, string path, Action<Utf8JsonWriter>? json, Func<JsonElement, T> read, CancellationToken cancel)
    {
        using var request = Authorized(method, path);
        request.Content = json is null ? null : Json(json);
        using var body = await SendAsync(request, cancel).ConfigureAwait(false);
        return read(body.RootElement);
    }

    /// <summary>Sends <paramref name="request"/>; the JSON answer, or the refusal's <see cref="ChatMeshException"/>.</summary>
    public async Task<JsonDocument> SendAsync(HttpRequestMessage request, CancellationToken cancel)
    {
        using var response = await http.SendAsync(request, cancel).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw await Problems.ReadAsync(response, cancel).ConfigureAwait(false);
        }

        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancel).ConfigureAwait(false));
    }

    /// <summary>A request with the client's current token (for the caller's own REST calls: history, rooms, …).</summary>
    public HttpRequestMessage Authorized(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token());
        return request;
    }

    /// <summary>The <c>attachments</c> member of a post (the ids of the sender's uploads), left out when there are none.</summary>
    public static void WriteAttachments(Utf8JsonWriter writer, IReadOnlyList<string> attachments)
    {
        if (attachments.Count == 0)
        {
            return;
        }

        writer.WriteStartArray("attachments");
        foreach (var id in attachments)
        {
            writer.WriteStringValue(id);
        }

        writer.WriteEndArray();
    }

    public static string Room(string room) => $"/api/rooms/{Uri.EscapeDataString(room)}";

    public static ByteArrayContent Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = Encoding.UTF8.WebName };
        return content;
    }
}
