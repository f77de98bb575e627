using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Rooms;
using ChatMesh.Gateway.Search;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>
/// The indexer and the search against a real redis-server and a real index folder: messages written through the chat
/// service become searchable, a restart catches up from the outbox, and an index the outbox has left behind is rebuilt.
/// </summary>
public sealed class SearchIndexerTests(SearchRedis redis) : SearchRedisTestBase(redis, "chatmesh-indexer-")
{
    [Fact]
    public async Task Messages_become_searchable_edits_and_deletes_follow_and_leaving_hides_the_room()
    {
        var (alice, bob, room) = (Name("alice"), Name("bob"), Name("room"));
        await Chat.CreateRoomAsync(alice, room, "Room", RoomKind.Public, null, Cancel);
        await Chat.JoinRoomAsync(bob, room, Cancel);
        await using var running = await StartAsync();
        var first = (await Chat.PostMessageAsync(alice, room, "quarterly report is due", null, null, Cancel)).EventId;
        var second = (await Chat.PostMessageAsync(alice, room, "report draft attached", null, null, Cancel)).EventId;

        Assert.Equal([second, first], await SearchProbe.WaitForAsync(running.Search, bob, "report", 2));
        await Chat.EditMessageAsync(alice, room, first, "quarterly numbers are due", Cancel);
        await Chat.DeleteMessageAsync(alice, room, second, Cancel);
        Assert.Equal([first], await SearchProbe.WaitForAsync(running.Search, bob, "quarterly numbers", 1));
        Assert.Empty(await SearchProbe.IdsAsync(running.Search, bob, "report"));

        await Chat.LeaveRoomAsync(bob, room, Cancel);
        Assert.Empty(await SearchProbe.IdsAsync(running.Search, bob, "quarterly"));
        var refused = await Assert.ThrowsAsync<ChatException>(() => running.Search.SearchAsync(bob, "quarterly", room, null, 10, Cancel));
        Assert.Equal(ChatError.NotMember, refused.Error);
    }

    [Fact]
    public async Task A_restart_catches_up_from_its_position_and_an_index_behind_the_outbox_is_rebuilt_from_history()
    {
        var (alice, room) = (Name("alice"), Name("room"));
        await Chat.CreateRoomAsync(alice, room, "Room", RoomKind.Public, null, Cancel);
        long early;
        await using (var running = await StartAsync())
        {
            early = (await Chat.PostMessageAsync(alice, room, "early bird", null, null, Cancel)).EventId;
            Assert.Equal([early], await SearchProbe.WaitForAsync(running.Search, alice, "bird", 1));
        }

        // Down while one message is posted: the next start reads it from the outbox after its committed position.
        var missed = (await Chat.PostMessageAsync(alice, room, "missed bird", null, null, Cancel)).EventId;
        await using (var running = await StartAsync())
        {
            Assert.Equal([missed, early], await SearchProbe.WaitForAsync(running.Search, alice, "bird", 2));
        }

        // Down while the outbox drops what it missed (as its retention does): the next start rebuilds from history.
        var lost = (await Chat.PostMessageAsync(alice, room, "lost bird", null, null, Cancel)).EventId;
        await Chat.EditMessageAsync(alice, room, early, "early worm", Cancel);
        await Redis.GetDatabase().StreamTrimAsync(ChatKeys.Outbox, 0);
        await using (var running = await StartAsync())
        {
            Assert.Equal([lost, missed], await SearchProbe.WaitForAsync(running.Search, alice, "bird", 2));
            Assert.Equal([early], await SearchProbe.IdsAsync(running.Search, alice, "worm"));
            Assert.Equal(await Chat.GetHeadAsync(Cancel), running.Host.Index.Position);
        }
    }

    private async Task<RunningIndexer> StartAsync()
    {
        var options = Options.Create(new SearchOptions { Directory = Folder, CommitInterval = TimeSpan.FromMilliseconds(100) });
        var host = new SearchIndexHost(options);
        var state = new SearchRebuildState(TimeProvider.System);
        var indexer = new SearchIndexer(host, new SearchRebuild(Redis, state, NullLogger<SearchRebuild>.Instance), state, Redis,
            new OwnRedisConnections(Redis, RedisSocketSchedulers.Default), Options.Create(new ChatOptions()), options, TimeProvider.System, NullLogger<SearchIndexer>.Instance);
        await indexer.StartAsync(Cancel);
        return new RunningIndexer(host, indexer, new MessageSearch(host, Chat, options));
    }

    private sealed record RunningIndexer(SearchIndexHost Host, SearchIndexer Indexer, MessageSearch Search) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Indexer.StopAsync(CancellationToken.None);
            Indexer.Dispose();
            Host.Dispose();
        }
    }
}
