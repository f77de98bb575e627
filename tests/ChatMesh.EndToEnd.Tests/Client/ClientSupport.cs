using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>Options and reading helpers shared by the client tests.</summary>
internal static class ClientSupport
{
    public static Uri Edge(ChatMeshAppFixture fixture) => fixture.App.GetEndpoint("web", "http");

    /// <summary>Short backoff so reconnects are quick on a loaded machine; everything else at its default.</summary>
    public static ChatMeshClientOptions Options(Uri edge, string? token = null) => new()
    {
        BaseAddress = edge,
        Token = token,
        ReconnectBaseDelay = TimeSpan.FromMilliseconds(100),
        ReconnectMaxDelay = TimeSpan.FromSeconds(1),
    };

    /// <summary>Reads until <paramref name="count"/> <c>message.created</c> events of <paramref name="room"/> arrived (or the deadline passes), returning them and anything in between.</summary>
    public static async Task<List<ChatEvent>> MessagesAsync(ChatMeshClient client, string room, int count, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        var messages = new List<ChatEvent>();
        try
        {
            await foreach (var item in client.ReadAllAsync(deadline.Token))
            {
                if (item is ChatEvent { Type: "message.created" } message && message.Room == room)
                {
                    messages.Add(message);
                    if (messages.Count == count)
                    {
                        break;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"Only {messages.Count} of {count} messages arrived in time: [{string.Join(", ", messages.Select(m => m.Id))}]");
        }

        return messages;
    }

    /// <summary>Every event received until one with an id at or above <paramref name="lastId"/> arrived (within 30 s).</summary>
    public static async Task<List<ChatEvent>> EventsUntilAsync(ChatMeshClient client, long lastId)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        var events = new List<ChatEvent>();
        await foreach (var item in client.ReadAllAsync(deadline.Token))
        {
            if (item is ChatEvent e)
            {
                events.Add(e);
                if (e.Id >= lastId)
                {
                    break;
                }
            }
        }

        return events;
    }

    /// <summary>A dev sign-in through the edge as a unique user; with <paramref name="only"/>, that channel alone.</summary>
    public static Task<ChatMeshClient> SignInAsync(ChatMeshAppFixture fixture, string prefix, ChatChannel? only = null)
    {
        var options = Options(Edge(fixture));
        if (only is { } channel)
        {
            options.Channels.Clear();
            options.Channels.Add(channel);
        }

        return ChatMeshClient.SignInAsync(ChatUser.UniqueName(prefix), options, TestContext.Current.CancellationToken);
    }

    /// <summary>What the client received within <paramref name="window"/>: used to show that nothing more (no duplicate) arrives.</summary>
    public static async Task<List<ChatItem>> DrainAsync(ChatMeshClient client, TimeSpan window)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(window);
        var items = new List<ChatItem>();
        try
        {
            await foreach (var item in client.ReadAllAsync(deadline.Token))
            {
                items.Add(item);
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
        }

        return items;
    }

    /// <summary>Shows that no further <c>message.created</c> of <paramref name="room"/> arrives within a second: nothing doubled.</summary>
    public static async Task AssertNoMoreMessagesAsync(ChatMeshClient client, string room) =>
        Assert.DoesNotContain(await DrainAsync(client, TimeSpan.FromSeconds(1)), item => item is ChatEvent { Type: "message.created" } e && e.Room == room);

    /// <summary>Every connection change of <paramref name="client"/> from now on (lock the list to read it).</summary>
    public static List<ChatConnectionChangedEventArgs> RecordChanges(ChatMeshClient client)
    {
        var changes = new List<ChatConnectionChangedEventArgs>();
        client.ConnectionChanged += (_, change) =>
        {
            lock (changes)
            {
                changes.Add(change);
            }
        };
        return changes;
    }
}
