using ChatMesh.Chat.EventLog;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>
/// What the search tests on a real redis-server share: a connection to the class's own server (<see cref="SearchRedis"/>),
/// the chat service over it, an index folder of their own (deleted afterwards) and names unique to the test.
/// </summary>
public abstract class SearchRedisTestBase(SearchRedis redisServer, string folderPrefix) : IAsyncLifetime, IClassFixture<SearchRedis>
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    protected string Folder { get; } = Path.Combine(Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N"));

    protected string Suffix => _suffix;

    protected ConnectionMultiplexer Redis { get; private set; } = null!;

    protected RedisChatService Chat { get; private set; } = null!;

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Redis = await redisServer.ConnectAsync();
        Chat = new RedisChatService(Redis, Options.Create(new ChatOptions()), TimeProvider.System);
    }

    protected string Name(string prefix) => $"{prefix}-{_suffix}";

    public async ValueTask DisposeAsync()
    {
        await Redis.DisposeAsync();
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }
        GC.SuppressFinalize(this);
    }
}
