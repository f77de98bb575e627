using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Sse;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Notifications;

/// <summary><c>/api/notifications</c> through the edge: the user's notification.* events with a read cursor.</summary>
public sealed class NotificationCenterTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Mentions_are_listed_unread_until_marked_read()
    {
        using var alice = await ChatUser.SignInAsync(fixture, "nc-a", "web");
        using var bob = await ChatUser.SignInAsync(fixture, "nc-b", "web");
        var room = await alice.CreateRoomAsync();
        await bob.JoinAsync(room);
        var first = await alice.PostAsync(room, $"@{bob.Name} one");
        var second = await alice.PostAsync(room, $"@{bob.Name} two");

        using var unread = await bob.GetJsonAsync("/api/notifications?unread=true");
        var items = unread.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, item => Assert.Equal("notification.mention", item.GetProperty("type").GetString()));
        Assert.All(items, item => Assert.False(item.GetProperty("read").GetBoolean()));
        // Newest first; the event is the same object the streams send.
        Assert.Equal(second, items[0].GetProperty("event").GetProperty("data").GetProperty("messageId").GetInt64());
        Assert.Equal(items[0].GetProperty("id").GetInt64(), items[0].GetProperty("event").GetProperty("id").GetInt64());

        var olderId = items[1].GetProperty("id").GetInt64();
        using (var read = await bob.Http.PostAsJsonAsync("/api/notifications/read", new { upTo = olderId }, Cancel))
        {
            read.EnsureSuccessStatusCode();
            Assert.Equal(olderId, (await read.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("readUpTo").GetInt64());
        }

        using var after = await bob.GetJsonAsync("/api/notifications?unread=true");
        var left = Assert.Single(after.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(second, left.GetProperty("event").GetProperty("data").GetProperty("messageId").GetInt64());

        using var all = await bob.GetJsonAsync("/api/notifications?limit=10");
        var both = all.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([false, true], both.Select(item => item.GetProperty("read").GetBoolean()));
        Assert.Equal(first, both[1].GetProperty("event").GetProperty("data").GetProperty("messageId").GetInt64());

        // The cursor never moves back.
        using (var back = await bob.Http.PostAsJsonAsync("/api/notifications/read", new { upTo = 0 }, Cancel))
        {
            Assert.Equal(olderId, (await back.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("readUpTo").GetInt64());
        }
    }

    [Fact]
    public async Task Bad_requests_are_problem_details()
    {
        using var bob = await ChatUser.SignInAsync(fixture, "nc-bad", "web");
        using (var limit = await bob.Http.GetAsync("/api/notifications?limit=0", Cancel))
        {
            await SseRefusalTests.AssertProblem(limit, HttpStatusCode.BadRequest, "invalid_argument");
        }

        using (var future = await bob.Http.PostAsJsonAsync("/api/notifications/read", new { upTo = 900000000000 }, Cancel))
        {
            await SseRefusalTests.AssertProblem(future, HttpStatusCode.BadRequest, "cursor_from_future");
        }

        using var anonymous = StreamClients.Create(fixture, "web");
        using var unauthorized = await anonymous.GetAsync("/api/notifications", Cancel);
        await SseRefusalTests.AssertProblem(unauthorized, HttpStatusCode.Unauthorized, "token_missing");
    }
}
