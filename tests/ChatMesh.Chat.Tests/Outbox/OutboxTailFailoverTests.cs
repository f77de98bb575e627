using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Outbox;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Outbox;

/// <summary>
/// The outbox tail reader on its own connection (<see cref="OutboxTailReader"/>) across a Sentinel failover, against
/// real redis-server and redis-sentinel processes: it must follow the promoted primary (not keep blocking on the dead
/// one), hand out every acknowledged event once and in order, and never hand out an event no replica confirmed (the
/// promoted replica would not have it, and would give its id to another event).
/// </summary>
public sealed class OutboxTailFailoverTests : IAsyncLifetime
{
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Block = TimeSpan.FromMilliseconds(200);
    private readonly SentinelTopology _topology = new();
    private ConnectionMultiplexer? _shared;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static ChatDurabilityOptions Durability => new() { Replicas = 1, ReplicaTimeout = TimeSpan.FromMilliseconds(500) };

    public async ValueTask InitializeAsync()
    {
        await _topology.InitializeAsync();
        // As a service connects (Aspire's AddRedisClient): through the Sentinels, not failing when one is down.
        _shared = await ConnectionMultiplexer.ConnectAsync(_topology.ConnectionString + ",abortConnect=false");
    }

    public async ValueTask DisposeAsync()
    {
        if (_shared is not null)
        {
            await _shared.DisposeAsync();
        }

        await _topology.DisposeAsync();
    }

    [Fact]
    public async Task After_kill_9_of_the_primary_the_tail_reads_what_the_promoted_primary_acknowledges_each_once_in_order()
    {
        var chat = new RedisChatService(_shared!, Options.Create(new ChatOptions { Durability = Durability }), TimeProvider.System);
        await chat.CreateRoomAsync("alice", "failover", "failover", RoomKind.Public, null, Token);
        await using var tail = new OutboxTailReader(new OwnRedisConnections(_shared!, RedisSocketSchedulers.Default), Durability);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var read = new List<long>();
        var reading = ReadUntilStoppedAsync(tail, read, stop.Token);

        var acked = new List<long>();
        await PostAsync(chat, acked, 20);
        var oldPrimary = _topology.Servers[0];
        oldPrimary.Signal("KILL");
        var promoted = await _topology.WaitForPromotionAsync(oldPrimary.Port, FailoverBound);
        var ackedBeforePromotion = acked.Count;

        // The old primary stays down: every event acknowledged from here on can only be read from the promoted one.
        await PostAsync(chat, acked, 20);
        await WaitUntilAsync(() => Snapshot(read).Contains(acked[^1]), $"the tail did not read event {acked[^1]}, acknowledged by the promoted primary");
        await stop.CancelAsync();
        await reading;

        var ids = Snapshot(read);
        Assert.True(ids.SequenceEqual(ids.Order().Distinct()), $"read out of order or twice: {string.Join(",", ids)}");
        Assert.All(acked, id => Assert.Contains(id, ids));
        Assert.True(acked.Count - ackedBeforePromotion >= 20);
        // Everything handed out is on the promoted primary: nothing read was a write the failover discarded.
        var onPromoted = (await _topology.Server(promoted).Connection.GetDatabase().StreamRangeAsync(OutboxKeys.Stream, "-", "+"))
            .Select(entry => OutboxEntries.EventId(entry.Id.ToString())).ToHashSet();
        Assert.All(ids, id => Assert.Contains(id, onPromoted));
    }

    [Fact]
    public async Task An_event_no_replica_confirmed_is_not_handed_out_until_one_does()
    {
        var chat = new RedisChatService(_shared!, Options.Create(new ChatOptions { Durability = Durability }), TimeProvider.System);
        await chat.CreateRoomAsync("alice", "unconfirmed", "unconfirmed", RoomKind.Public, null, Token);
        await using var tail = new OutboxTailReader(new OwnRedisConnections(_shared!, RedisSocketSchedulers.Default), Durability);
        var newest = (await tail.ReadAfterAsync(0, 100, Block, Token)).Last().Id;

        // Both replicas frozen (connected, confirming nothing): the commit lands on the primary only and is refused.
        _topology.Servers[1].Signal("STOP");
        _topology.Servers[2].Signal("STOP");
        try
        {
            await Assert.ThrowsAsync<ReplicationTimeoutException>(() => chat.PostMessageAsync("alice", "unconfirmed", "primary only", null, "k1", Token));
            var entry = await _topology.Servers[0].Connection.GetDatabase().StreamRangeAsync(OutboxKeys.Stream, OutboxEntries.StreamId(newest + 1), "+");
            Assert.Single(entry);

            // A publisher would put it on the bus; if the primary died now, the promoted replica would reuse its id.
            await Assert.ThrowsAsync<ReplicationTimeoutException>(() => tail.ReadAfterAsync(newest, 100, Block, Token));
        }
        finally
        {
            _topology.Servers[1].Signal("CONT");
            _topology.Servers[2].Signal("CONT");
        }

        var confirmed = await chat.PostMessageAsync("alice", "unconfirmed", "primary only", null, "k1", Token);
        Assert.True(confirmed.Duplicate);
        var events = await tail.ReadAfterAsync(newest, 100, Block, Token);
        Assert.Equal(confirmed.EventId, Assert.Single(events).Id);
    }

    /// <summary>Posts until <paramref name="count"/> more are acknowledged, retrying each with its key as a client does.</summary>
    private static async Task PostAsync(RedisChatService chat, List<long> acked, int count)
    {
        var deadline = DateTime.UtcNow + FailoverBound;
        for (var posted = 0; posted < count;)
        {
            var key = $"k{acked.Count}";
            try
            {
                var result = await chat.PostMessageAsync("alice", "failover", $"message {acked.Count}", null, key, Token);
                lock (acked)
                {
                    acked.Add(result.EventId);
                }

                posted++;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no post acknowledged within {FailoverBound}: {exception.Message}");
                await Task.Delay(50, Token);
            }
        }
    }

    /// <summary>The publisher's read loop: read after the last id handed out, retry after a failure.</summary>
    private static async Task ReadUntilStoppedAsync(OutboxTailReader tail, List<long> read, CancellationToken stop)
    {
        var last = 0L;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                foreach (var published in await tail.ReadAfterAsync(last, 100, Block, stop))
                {
                    lock (read)
                    {
                        read.Add(published.Id);
                    }

                    last = published.Id;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    private static List<long> Snapshot(List<long> read)
    {
        lock (read)
        {
            return [.. read];
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string failure)
    {
        var deadline = DateTime.UtcNow + FailoverBound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50, Token);
        }
    }
}
