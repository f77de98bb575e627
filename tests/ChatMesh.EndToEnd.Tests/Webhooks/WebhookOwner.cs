using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Webhooks;

/// <summary>A signed-in user talking to the webhooks API through the edge (<c>web</c>), with a room of their own.</summary>
internal sealed class WebhookOwner(ApiUser api, string token, string room) : IDisposable
{
    public ApiUser Api { get; } = api;

    public string Token { get; } = token;

    public string Room { get; } = room;

    public static async Task<WebhookOwner> CreateAsync(ChatMeshAppFixture fixture, string prefix)
    {
        var api = await ApiUser.SignInAsync(fixture, prefix, "web");
        var room = Names.Room(prefix);
        await api.CreateRoomAsync(room);
        return new WebhookOwner(api, api.Client.DefaultRequestHeaders.Authorization!.Parameter!, room);
    }

    /// <summary>Registers an endpoint for <paramref name="url"/> and returns the create answer (with the secret).</summary>
    public async Task<JsonElement> RegisterAsync(string url, string[]? eventTypes = null, string[]? rooms = null)
    {
        using var response = await Api.PostAsync("/api/webhooks/endpoints", new { url, description = "test", eventTypes, rooms });
        return await Json.ReadAsync(response, HttpStatusCode.Created);
    }

    /// <summary>Posts a message over a WebSocket (the user's own) and returns its event id from the ack.</summary>
    public async Task<long> SendOverWebSocketAsync(ChatMeshAppFixture fixture, string text)
    {
        await using var socket = await WsClient.ConnectAsync(fixture, Token);
        var reference = Guid.NewGuid().ToString("N");
        await socket.SendAsync(new { type = "send", @ref = reference, room = Room, text });
        var ack = await socket.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == reference);
        return ack.GetProperty("id").GetInt64();
    }

    public async Task<JsonElement> GetAsync(string path) => await Api.GetJsonAsync(path);

    public async Task<JsonElement> WaitForAsync(string path, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var value = await Api.GetJsonAsync(path);
            if (condition(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{path} did not reach the expected state: {value}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, object body) =>
        Api.Client.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, TestContext.Current.CancellationToken);

    public void Dispose() => Api.Dispose();
}
