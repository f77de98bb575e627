using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace ChatMesh.DashboardScreenshot;

/// <summary>The action to show: Alice sends a message over a WebSocket; Bob receives it over a WebSocket and SSE.</summary>
internal static class TracedTraffic
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static async Task<string> SendAsync(Uri web)
    {
        using var http = new HttpClient { BaseAddress = web, Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var alice = await SignInAsync(http, $"alice-{suffix}");
        var bob = await SignInAsync(http, $"bob-{suffix}");
        var room = $"demo-{suffix}";
        await SendAsync(http, HttpMethod.Post, "/api/rooms", alice, new { id = room, name = "Demo", kind = "public" });
        await SendAsync(http, HttpMethod.Post, $"/api/rooms/{room}/join", bob, null);

        using var cancel = new CancellationTokenSource(Timeout);
        using var sse = await OpenSseAsync(http, bob, cancel.Token);
        using var bobWs = await ConnectAsync(web, bob, cancel.Token);
        await SendFrameAsync(bobWs, new { type = "subscribe" }, cancel.Token);
        await ReceiveUntilAsync(bobWs, "\"subscribed\"", cancel.Token);

        using var aliceWs = await ConnectAsync(web, alice, cancel.Token);
        await SendFrameAsync(aliceWs, new { type = "send", @ref = "shot", room, text = "Hello from the dashboard screenshot" }, cancel.Token);
        await ReceiveUntilAsync(aliceWs, "\"ack\"", cancel.Token);
        await ReceiveUntilAsync(bobWs, "\"message.created\"", cancel.Token);
        await ReadSseUntilAsync(sse, "message.created", cancel.Token);
        return room;
    }

    private static async Task<string> SignInAsync(HttpClient http, string user)
    {
        using var response = await http.PostAsJsonAsync("/api/auth/sign-in", new { userName = user });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("token").GetString()!;
    }

    private static async Task SendAsync(HttpClient http, HttpMethod method, string path, string token, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<StreamReader> OpenSseAsync(HttpClient http, string token, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/sse");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        response.EnsureSuccessStatusCode();
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        await ReadSseUntilAsync(reader, "subscribed", cancellationToken);
        return reader;
    }

    private static async Task ReadSseUntilAsync(StreamReader reader, string eventType, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line == $"event: {eventType}")
            {
                return;
            }
        }

        throw new InvalidOperationException($"The SSE stream ended before '{eventType}'.");
    }

    private static async Task<ClientWebSocket> ConnectAsync(Uri web, string token, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("chatmesh.v1");
        socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        var uri = new UriBuilder(web) { Scheme = web.Scheme == "https" ? "wss" : "ws", Path = "/ws" }.Uri;
        await socket.ConnectAsync(uri, cancellationToken);
        return socket;
    }

    private static async Task SendFrameAsync(ClientWebSocket socket, object frame, CancellationToken cancellationToken) =>
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, cancellationToken);

    private static async Task ReceiveUntilAsync(ClientWebSocket socket, string marker, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                count += result.Count;
            }
            while (!result.EndOfMessage);

            if (Encoding.UTF8.GetString(buffer, 0, count).Contains(marker, StringComparison.Ordinal))
            {
                return;
            }
        }
    }
}
