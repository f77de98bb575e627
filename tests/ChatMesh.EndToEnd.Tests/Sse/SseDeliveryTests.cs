using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Overrides;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Sse;

/// <summary><c>GET /sse</c> against the real system: same ids and bytes as the WebSocket, exactly-once resume, filters.</summary>
public sealed class SseDeliveryTests(ChatMeshAppFixture fixture)
{
    [Fact]
    public async Task A_message_sent_over_WebSocket_arrives_over_SSE_with_the_same_id_and_bytes()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-ws");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture);
        await using var sse = await SseClient.ConnectAsync(http, "/sse", alice.Token);
        Assert.Equal("text/event-stream", sse.Response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-transform", sse.Response.Headers.CacheControl?.ToString());
        Assert.Equal("no", sse.Response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.Equal(TimeSpan.FromMilliseconds(3000), sse.ReconnectionInterval);

        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        await ws.SendAsync(new { type = "subscribe", @ref = "s" });
        await ws.WaitForAsync(frame => WsClient.Type(frame) == "subscribed");
        await ws.SendAsync(new { type = "send", @ref = "m1", room, text = "over both channels" });
        var ack = await ws.WaitForAsync(frame => WsClient.Type(frame) == "ack" && frame.GetProperty("ref").GetString() == "m1");
        var id = ack.GetProperty("id").GetInt64();

        var overWs = await ws.WaitForAsync(frame => WsClient.Type(frame) == "message.created" && frame.GetProperty("id").GetInt64() == id);
        var overSse = await sse.WaitForAsync(e => e.Id == id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("message.created", overSse.Type);
        Assert.Equal(overWs.GetRawText(), overSse.Data);
    }

    [Fact]
    public async Task A_stream_cut_and_resumed_with_Last_Event_ID_has_no_gap_and_no_duplicate()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-cut");
        var room = await alice.CreateRoomAsync();
        using var http = StreamClients.Create(fixture);
        List<long> sent = [];

        string lastSeen;
        await using (var first = await SseClient.ConnectAsync(http, "/sse", alice.Token))
        {
            for (var i = 0; i < 3; i++)
            {
                sent.Add(await alice.PostAsync(room, $"before {i}"));
            }

            await first.WaitUntilAsync(events => MessageIds(events, room).Count == 3);
            lastSeen = first.Logged[^1].Id!;
        }

        for (var i = 0; i < 3; i++)
        {
            sent.Add(await alice.PostAsync(room, $"while away {i}"));
        }

        await using var second = await SseClient.ConnectAsync(http, "/sse", alice.Token, lastEventId: lastSeen);
        for (var i = 0; i < 2; i++)
        {
            sent.Add(await alice.PostAsync(room, $"after {i}"));
        }

        await second.WaitUntilAsync(events => MessageIds(events, room).Count >= 5);
        Assert.Equal(sent.Skip(3), MessageIds(second.Events, room));
        var ids = second.Logged.Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(ids.Distinct().Order(), ids);
        Assert.All(ids, id => Assert.True(id > long.Parse(lastSeen, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task After_replays_what_followed_then_goes_live()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-after");
        var room = await alice.CreateRoomAsync();
        var first = await alice.PostAsync(room, "one");
        var second = await alice.PostAsync(room, "two");
        var third = await alice.PostAsync(room, "three");
        using var http = StreamClients.Create(fixture);

        await using var sse = await SseClient.ConnectAsync(http, $"/sse?after={first}", alice.Token);
        var subscribed = sse.Events.Single(e => e.Type == "subscribed");
        Assert.Equal(2, JsonDocument.Parse(subscribed.Data).RootElement.GetProperty("replayed").GetInt64());
        var live = await alice.PostAsync(room, "four");
        await sse.WaitUntilAsync(events => MessageIds(events, room).Count == 3);
        Assert.Equal([second, third, live], MessageIds(sse.Events, room));
    }

    [Fact]
    public async Task Rooms_and_types_filters_choose_what_arrives()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-filter");
        var wanted = await alice.CreateRoomAsync("wanted");
        var other = await alice.CreateRoomAsync("other");
        using var http = StreamClients.Create(fixture);
        await using var byRoom = await SseClient.ConnectAsync(http, $"/sse?rooms={wanted}", alice.Token);
        await using var byType = await SseClient.ConnectAsync(http, "/sse?types=reaction.added", alice.Token);

        await alice.PostAsync(other, "not for the room filter");
        var message = await alice.PostAsync(wanted, "for the room filter");
        using (var react = await alice.Http.PutAsync($"/api/rooms/{wanted}/messages/{message}/reactions/%F0%9F%91%8D", null, TestContext.Current.CancellationToken))
        {
            react.EnsureSuccessStatusCode();
        }

        // Events arrive in id order: once the later ones are in, the earlier filtered-out one would have been too.
        await byRoom.WaitForAsync(e => e.Type == "reaction.added");
        // Personal events (addressed to Alice, e.g. the copy of her own join of the other room, which may still be
        // on its way when the stream opens) pass the room filter by design; room events must be the wanted room's.
        Assert.All(byRoom.Logged.Where(e => !IsPersonal(e)), e => Assert.Equal(wanted, Room(e)));
        await byType.WaitForAsync(e => e.Type == "reaction.added");
        Assert.All(byType.Logged, e => Assert.Equal("reaction.added", e.Type));
    }

    private static bool IsPersonal(SseEvent e) => JsonDocument.Parse(e.Data).RootElement.TryGetProperty("user", out _);

    [Fact]
    public async Task A_mention_arrives_as_its_own_notification_event()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-men-a");
        using var bob = await ChatUser.SignInAsync(fixture, "sse-men-b");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        using var http = StreamClients.Create(fixture);
        await using var sse = await SseClient.ConnectAsync(http, "/sse?types=notification.mention", bob.Token);

        var message = await alice.PostAsync(room, $"hey @{bob.Name}, look");
        var mention = await sse.WaitForAsync(e => e.Type == "notification.mention");
        var data = JsonDocument.Parse(mention.Data).RootElement.GetProperty("data");
        Assert.Equal(message, data.GetProperty("messageId").GetInt64());
        Assert.NotNull(mention.Id);
    }

    [Fact]
    public async Task Heartbeat_comments_arrive_at_the_configured_interval()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-beat");
        using var http = StreamClients.Create(fixture);
        using var request = SseClient.Request("/sse", alice.Token);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(NotificationOverrides.HeartbeatInterval * 20);

        List<string> lines = [];
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            lines.Add(line);
            if (line == ": heartbeat")
            {
                break;
            }
        }

        Assert.Contains("retry: 3000", lines);
        Assert.Equal("event: hello", lines[0]);
        Assert.Equal(": heartbeat", lines[^1]);
    }

    [Fact]
    public async Task Typing_is_sent_only_when_asked_for()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "sse-typ-a");
        using var bob = await ChatUser.SignInAsync(fixture, "sse-typ-b");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        using var http = StreamClients.Create(fixture);
        await using var plain = await SseClient.ConnectAsync(http, "/sse", bob.Token);
        await using var typing = await SseClient.ConnectAsync(http, "/sse?typing=true", bob.Token);

        await using var ws = await WsClient.ConnectAsync(fixture, alice.Token);
        await ws.SendAsync(new { type = "typing", room });
        var signal = await typing.WaitForAsync(e => e.Type == "typing");
        Assert.Null(signal.Id);
        var marker = await alice.PostAsync(room, "after typing");
        await plain.WaitForAsync(e => e.Id == marker.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(plain.Events, e => e.Type == "typing");
    }

    internal static List<long> MessageIds(IReadOnlyList<SseEvent> events, string room) =>
        [.. events.Where(e => e.Type == "message.created" && Room(e) == room).Select(e => long.Parse(e.Id!, System.Globalization.CultureInfo.InvariantCulture))];

    private static string? Room(SseEvent e) =>
        JsonDocument.Parse(e.Data).RootElement.TryGetProperty("room", out var room) && room.ValueKind == JsonValueKind.String ? room.GetString() : null;
}
