using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.LiveEvents;

/// <summary>
/// Writer loops continue on the dispatching thread (the feed's queue runs continuations synchronously): what a
/// connection's writer does inline must never hold up or break delivery to the others.
/// </summary>
public sealed class InlineWriterTests(RedisProcess redis) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private ConnectionMultiplexer? _connection;
    private LiveEventHub _hub = null!;
    private long _nextId;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _connection = await redis.ConnectAsync();
        _hub = new LiveEventHub(
            _connection,
            Options.Create(new LiveEventOptions()),
            new LiveEventMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            NullLogger<LiveEventHub>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_write_that_does_not_complete_at_once_does_not_hold_up_the_others()
    {
        var stuck = new TaskCompletionSource();
        using var blocked = new ResumableFeed("blocked", capacity: 64);
        using var healthy = new ResumableFeed("healthy", capacity: 64);
        using var blockedSubscription = _hub.Subscribe(blocked, ["room"]);
        using var healthySubscription = _hub.Subscribe(healthy, ["room"]);
        var blockedWriter = WriteAllAsync(blocked, _ => stuck.Task);
        var healthyWriter = WriteAllAsync(healthy, _ => Task.CompletedTask);

        // Each delivery returns although the blocked connection's first write never finishes.
        for (var i = 0; i < 3; i++)
        {
            await DeliverAsync("room").AsTask().WaitAsync(Deadline, Token);
        }

        healthy.Complete();
        Assert.Equal([1L, 2, 3], await healthyWriter.WaitAsync(Deadline, Token));
        stuck.SetResult();
        blocked.Complete();
        Assert.Equal([1L, 2, 3], await blockedWriter.WaitAsync(Deadline, Token));
    }

    [Fact]
    public async Task A_writer_that_ends_its_feed_during_a_delivery_leaves_the_others_whole()
    {
        using var leaving = new ResumableFeed("leaving", capacity: 64);
        using var staying = new ResumableFeed("staying", capacity: 64);
        using var leavingSubscription = _hub.Subscribe(leaving, ["room"]);
        using var stayingSubscription = _hub.Subscribe(staying, ["room"]);
        // The leaving connection closes while writing its first event, from inside the hub's dispatch.
        var leavingWriter = WriteAllAsync(leaving, _ =>
        {
            leaving.Dispose();
            return Task.CompletedTask;
        });
        var stayingWriter = WriteAllAsync(staying, _ => Task.CompletedTask);

        for (var i = 0; i < 3; i++)
        {
            await DeliverAsync("room").AsTask().WaitAsync(Deadline, Token);
        }

        staying.Complete();
        Assert.Equal([1L, 2, 3], await stayingWriter.WaitAsync(Deadline, Token));
        Assert.Equal([1L], await leavingWriter.WaitAsync(Deadline, Token));
    }

    /// <summary>A channel's writer loop: every item handed out, written by <paramref name="write"/>; the ids it wrote.</summary>
    private static async Task<List<long>> WriteAllAsync(ResumableFeed feed, Func<FeedItem, Task> write)
    {
        var written = new List<long>();
        await foreach (var item in feed.ReadAllAsync(CancellationToken.None))
        {
            await write(item);
            written.Add(item.Id);
        }

        return written;
    }

    private ValueTask DeliverAsync(string room)
    {
        var id = ++_nextId;
        var json = Encoding.UTF8.GetBytes($$$"""{"id":{{{id}}},"type":"message.created","data":{}}""");
        return _hub.DeliverAsync(new ChatEventPublished(id, ChatEventTypes.MessageCreated, room, null, json), Token);
    }
}
