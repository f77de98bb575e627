using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.Redis;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Tests.EventLog;

/// <summary>A chat service over the shared redis-server, plus unique names so tests never collide.</summary>
public sealed class ChatTestContext(RedisServerFixture redis, ChatOptions? options = null, TimeProvider? time = null)
{
    private readonly string suffix = Guid.NewGuid().ToString("N")[..10];

    public RedisChatService Chat { get; } = new(redis.Connection, Options.Create(options ?? new ChatOptions()), time ?? TimeProvider.System);

    public StackExchange.Redis.IDatabase Db => redis.Connection.GetDatabase();

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A unique user id such as <c>alice-1a2b3c4d5e</c>.</summary>
    public string User(string name) => $"{name}-{suffix}";

    /// <summary>A unique room id such as <c>general-1a2b3c4d5e</c>.</summary>
    public string Room(string name) => $"{name}-{suffix}";

    public Task<RoomSummary> PublicRoomAsync(string owner, string name) =>
        Chat.CreateRoomAsync(owner, Room(name), name, RoomKind.Public, null, Token);
}
