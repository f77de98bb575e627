using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.EventLog;

/// <summary>
/// <c>Chat:Durability:Replicas</c>: with Redis replicas (Sentinel mode) a write is acknowledged only once a replica has
/// it, so a failover to the replica keeps every acknowledged message. Real primary and replica redis-servers.
/// </summary>
public sealed class ReplicaDurabilityTests : IAsyncLifetime
{
    private readonly RedisServerFixture _primary = new();
    private RedisServerFixture? _replica;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _primary.InitializeAsync();
        _replica = await StartReplicaAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_replica is not null)
        {
            await _replica.DisposeAsync();
        }

        await _primary.DisposeAsync();
    }

    private RedisChatService Chat(TimeSpan? timeout = null, IConnectionMultiplexer? connection = null) =>
        Chat(new ChatOptions { Durability = { Replicas = 1, ReplicaTimeout = timeout ?? TimeSpan.FromSeconds(5) } }, connection);

    private RedisChatService Chat(ChatOptions options, IConnectionMultiplexer? connection = null) =>
        new(connection ?? _primary.Connection, Options.Create(options), TimeProvider.System);

    [Fact]
    public async Task An_acknowledged_message_is_already_on_the_replica()
    {
        var chat = Chat();
        await chat.CreateRoomAsync("alice", "durable", "durable", ChatMesh.Chat.Rooms.RoomKind.Public, null, Token);

        var posted = await chat.PostMessageAsync("alice", "durable", "on two servers", null, "k1", Token);

        // Read from the replica itself, right after the acknowledgement: no waiting for replication.
        var onReplica = await _replica!.Connection.GetDatabase().StreamRangeAsync("chat:room:durable:log", "-", "+");
        Assert.Contains(onReplica, entry => ((string)entry.Id!).StartsWith($"{posted.EventId}-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_write_no_replica_confirms_is_not_acknowledged_and_its_retry_with_the_key_is_acknowledged_once()
    {
        // The barrier reads its timeout per WAIT: short while no replica can answer, generous for the retry, which a
        // replica that has just finished its full resync on a loaded machine may take longer than 300 ms to confirm.
        // The room is created while the replica is there, with the generous timeout too (a CI run once saw the replica,
        // fresh from its full sync, confirm it later than 300 ms).
        var options = new ChatOptions { Durability = { Replicas = 1, ReplicaTimeout = TimeSpan.FromSeconds(10) } };
        var chat = Chat(options);
        await chat.CreateRoomAsync("alice", "lonely", "lonely", ChatMesh.Chat.Rooms.RoomKind.Public, null, Token);
        await _replica!.DisposeAsync();
        _replica = null;
        await WaitForReplicasAsync(0);
        options.Durability.ReplicaTimeout = TimeSpan.FromMilliseconds(300);

        var refused = await Assert.ThrowsAsync<ReplicationTimeoutException>(
            () => chat.PostMessageAsync("alice", "lonely", "not yet durable", null, "k-lonely", Token));
        Assert.Contains("0 of 1 Redis replicas", refused.Message, StringComparison.Ordinal);

        _replica = await StartReplicaAsync();
        options.Durability.ReplicaTimeout = TimeSpan.FromSeconds(10);
        var retried = await chat.PostMessageAsync("alice", "lonely", "not yet durable", null, "k-lonely", Token);
        var again = await chat.PostMessageAsync("alice", "lonely", "not yet durable", null, "k-lonely", Token);

        Assert.True(again.Duplicate);
        Assert.Equal(retried.EventId, again.EventId);
        var history = await chat.GetHistoryAsync("alice", "lonely", null, null, 100, Token);
        Assert.Equal(retried.EventId, Assert.Single(history.Messages).Id);
    }

    [Fact]
    public async Task A_duplicate_answered_by_another_process_is_acknowledged_only_once_the_original_is_on_a_replica()
    {
        // Two service instances: the first commits and cannot get it confirmed (the replica is frozen, still connected,
        // acknowledging nothing); the sender retries its key on the second, whose own connection never wrote. From
        // Redis 7.2 WAIT covers only a connection's own writes (7.0, installed here, also counts its reads), so without
        // ReplicaBarrier's marker write the second would acknowledge the duplicate at once there.
        var first = Chat(TimeSpan.FromMilliseconds(300));
        await first.CreateRoomAsync("alice", "retried", "retried", ChatMesh.Chat.Rooms.RoomKind.Public, null, Token);
        await using var otherConnection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_primary.Port}");
        var second = Chat(TimeSpan.FromMilliseconds(300), otherConnection);

        _replica!.Signal("STOP");
        try
        {
            await Assert.ThrowsAsync<ReplicationTimeoutException>(
                () => first.PostMessageAsync("alice", "retried", "on the primary only", null, "k-retried", Token));
            // The key is on the primary, so this is a duplicate; acknowledging it now would acknowledge a write no
            // replica has.
            await Assert.ThrowsAsync<ReplicationTimeoutException>(
                () => second.PostMessageAsync("alice", "retried", "on the primary only", null, "k-retried", Token));
        }
        finally
        {
            _replica.Signal("CONT");
        }

        var confirmed = await second.PostMessageAsync("alice", "retried", "on the primary only", null, "k-retried", Token);
        Assert.True(confirmed.Duplicate);
        var onReplica = await _replica.Connection.GetDatabase().StreamRangeAsync("chat:room:retried:log", "-", "+");
        Assert.Contains(onReplica, entry => ((string)entry.Id!).StartsWith($"{confirmed.EventId}-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Concurrent_writes_share_their_replica_confirmations()
    {
        // Writes share a confirmation when they are in flight together: a lone write never waits for company. So that
        // they are (a loaded machine sends 200 posts from one loop slower than a WAIT's round trip to an idle replica,
        // and then each post rightly gets a WAIT of its own), the replica is frozen while they are sent: the first
        // post's WAIT blocks the connection, the other posts' scripts queue behind it, and once the replica resumes
        // they all commit in one burst whose confirmations must share a few WAITs, not take one each.
        var chat = Chat(TimeSpan.FromSeconds(30));
        await chat.CreateRoomAsync("alice", "busy", "busy", ChatMesh.Chat.Rooms.RoomKind.Public, null, Token);
        var before = await WaitCallsAsync();
        await using var observer = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_primary.Port}");

        const int posts = 200;
        Task<CommitResult>[] sent;
        _replica!.Signal("STOP");
        try
        {
            var first = chat.PostMessageAsync("alice", "busy", "m0", null, "k0", Token);
            await WaitForBlockedClientAsync(observer);
            sent = [first, .. Enumerable.Range(1, posts - 1).Select(i => chat.PostMessageAsync("alice", "busy", $"m{i}", null, $"k{i}", Token))];
            Assert.All(sent, post => Assert.False(post.IsCompleted));
        }
        finally
        {
            _replica.Signal("CONT");
        }

        var results = await Task.WhenAll(sent);
        Assert.Equal(posts, results.Select(result => result.EventId).Distinct().Count());
        var waits = await WaitCallsAsync() - before;
        Assert.InRange(waits, 2, posts / 10);
    }

    /// <summary>Waits until a client of the primary is blocked (the barrier's WAIT on the frozen replica), asked on another connection.</summary>
    private async Task WaitForBlockedClientAsync(ConnectionMultiplexer observer)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var info = (string)(await observer.GetDatabase().ExecuteAsync("INFO", "clients"))!;
            if (info.Split("\r\n").Any(line => line.StartsWith("blocked_clients:", StringComparison.Ordinal) && line != "blocked_clients:0"))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the first post's WAIT never blocked on the frozen replica");
            await Task.Delay(20, Token);
        }
    }

    [Fact]
    public void The_durability_options_are_validated()
    {
        var validator = new ChatOptionsValidator();
        var negative = validator.Validate(null, new ChatOptions { Durability = { Replicas = -1 } });
        Assert.Contains(negative.Failures!, failure => failure.Contains("Chat:Durability:Replicas", StringComparison.Ordinal));
        var instant = validator.Validate(null, new ChatOptions { Durability = { Replicas = 1, ReplicaTimeout = TimeSpan.Zero } });
        Assert.Contains(instant.Failures!, failure => failure.Contains("Chat:Durability:ReplicaTimeout", StringComparison.Ordinal));
        Assert.Equal(0, new ChatOptions().Durability.Replicas);
    }

    private async Task<RedisServerFixture> StartReplicaAsync()
    {
        var replica = new RedisServerFixture(["--replicaof", "127.0.0.1", _primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await replica.InitializeAsync();
        await WaitForReplicasAsync(1);
        return replica;
    }

    /// <summary>Waits until the primary counts <paramref name="count"/> connected replicas in sync (INFO replication).</summary>
    private async Task WaitForReplicasAsync(int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            int online;
            try
            {
                online = (await InfoAsync("replication")).Count(line => line.StartsWith("slave", StringComparison.Ordinal) && line.Contains("state=online", StringComparison.Ordinal));
            }
            catch (RedisTimeoutException) when (DateTime.UtcNow < deadline)
            {
                // The primary's fork for the replica's full sync can stall it on a loaded machine: ask again.
                continue;
            }

            if (online == count)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the primary has {online} replicas online, not {count}");
            await Task.Delay(50, Token);
        }
    }

    private async Task<long> WaitCallsAsync()
    {
        // "cmdstat_wait:calls=12,usec=...,..."
        var stats = (await InfoAsync("commandstats")).FirstOrDefault(line => line.StartsWith("cmdstat_wait:", StringComparison.Ordinal));
        return stats is null ? 0 : long.Parse(stats.Split(',')[0]["cmdstat_wait:calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The lines of one INFO section of the primary (as a command: the multiplexer is not in admin mode).</summary>
    private async Task<string[]> InfoAsync(string section) =>
        ((string)(await _primary.Connection.GetDatabase().ExecuteAsync("INFO", section))!).Split("\r\n");
}
