using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Api;

/// <summary>A signed-in user of the REST API: an HttpClient to one service carrying that user's bearer token.</summary>
internal sealed class ApiUser(HttpClient client, string id) : IDisposable
{
    public HttpClient Client { get; } = client;

    public string Id { get; } = id;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Signs in a fresh user (unique name from <paramref name="prefix"/>) through <paramref name="resource"/>.</summary>
    public static async Task<ApiUser> SignInAsync(ChatMeshAppFixture fixture, string prefix, string resource = "gateway")
    {
        var client = CreateCookielessClient(fixture, resource);
        var id = Names.User(prefix);
        using var response = await client.PostAsJsonAsync("/api/auth/sign-in", new { userName = id }, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ApiUser(client, id);
    }

    /// <summary>
    /// A client with its own handler that keeps no cookies. The fixture's clients share pooled handlers, hence one cookie
    /// jar, so the cookie one user's sign-in sets would otherwise ride along on every other client's requests.
    /// </summary>
    public static HttpClient CreateCookielessClient(ChatMeshAppFixture fixture, string resource)
    {
        using var shared = fixture.CreateClient(resource);
        return new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = shared.BaseAddress };
    }

    public Task<HttpResponseMessage> GetAsync(string path) => Client.GetAsync(new Uri(path, UriKind.Relative), Cancel);

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null) =>
        Client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body ?? new { }, Cancel);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await Client.SendAsync(request, Cancel);
    }

    /// <summary>GET expecting 200, returning the JSON body.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await GetAsync(path);
        return await Json.ReadAsync(response, HttpStatusCode.OK);
    }

    public async Task<JsonElement> CreateRoomAsync(string room, string kind = "public")
    {
        using var response = await PostAsync("/api/rooms", new { id = room, name = $"Room {room}", kind, topic = "testing" });
        return await Json.ReadAsync(response, HttpStatusCode.Created);
    }

    public async Task JoinAsync(string room)
    {
        using var response = await PostAsync($"/api/rooms/{room}/join");
        await Json.ReadAsync(response, HttpStatusCode.OK);
    }

    /// <summary>Posts a message and returns its id.</summary>
    public async Task<long> PostMessageAsync(string room, string text)
    {
        using var response = await PostAsync($"/api/rooms/{Uri.EscapeDataString(room)}/messages", new { text });
        return (await Json.ReadAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt64();
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>Unique names per test, so tests share one AppHost and run in any order.</summary>
internal static class Names
{
    public static string User(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(32, prefix.Length + 21)];

    public static string Room(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}

internal static class Json
{
    /// <summary>Asserts the status and returns the JSON body.</summary>
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem details answer with the given status and <c>error</c> code.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var problem = await ReadAsync(response, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(error, problem.GetProperty("error").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }
}
