using ChatMesh.Chat.Tests.Redis;

namespace ChatMesh.Chat.Tests.EventLog;

public sealed class ScriptCacheTests(RedisServerFixture redis)
{
    [Fact]
    public async Task Writes_survive_a_flushed_script_cache()
    {
        // What a Redis restart or failover does to EVALSHA: the server forgets every script.
        var t = new ChatTestContext(redis);
        var alice = t.User("alice");
        var room = await t.PublicRoomAsync(alice, "flush");
        await t.Chat.PostMessageAsync(alice, room.Id, "before", null, null, ChatTestContext.Token);
        await t.Db.ExecuteAsync("SCRIPT", "FLUSH");
        var after = await t.Chat.PostMessageAsync(alice, room.Id, "after", null, null, ChatTestContext.Token);
        Assert.False(after.Duplicate);
    }
}
