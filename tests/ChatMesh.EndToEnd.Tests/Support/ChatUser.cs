using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace ChatMesh.EndToEnd.Tests.Support;

/// <summary>A signed-in test user with an HTTP client on one resource (gateway, or web for the edge).</summary>
public sealed class ChatUser : IDisposable
{
    private ChatUser(string name, string token, HttpClient http)
    {
        Name = name;
        Token = token;
        Http = http;
    }

    public string Name { get; }

    public string Token { get; }

    public HttpClient Http { get; }

    /// <summary>A unique user name per call, so tests never share state.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(32, prefix.Length + 13)];

    public static async Task<ChatUser> SignInAsync(ChatMeshAppFixture fixture, string prefix, string resource = "gateway")
    {
        var http = fixture.CreateClient(resource);
        var name = UniqueName(prefix);
        using var response = await http.PostAsJsonAsync("/api/auth/sign-in", new { userName = name }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var token = body.RootElement.GetProperty("token").GetString()!;
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new ChatUser(name, token, http);
    }

    /// <summary>Creates a public room through the REST API and returns its id.</summary>
    public async Task<string> CreateRoomAsync(string prefix = "room", string kind = "public")
    {
        var id = UniqueName(prefix);
        using var response = await Http.PostAsJsonAsync("/api/rooms", new { id, name = id, kind }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    public async Task JoinAsync(string room)
    {
        using var response = await Http.PostAsync($"/api/rooms/{room}/join", null, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public async Task<long> PostAsync(string room, string text)
    {
        using var response = await Http.PostAsJsonAsync($"/api/rooms/{room}/messages", new { text }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return body.RootElement.GetProperty("id").GetInt64();
    }

    public async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public void Dispose() => Http.Dispose();
}
