using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace ChatMesh.Chat.Hosting;

/// <summary>
/// Which threads run the Redis client's socket reads and completions (<c>Chat:Redis:SocketScheduler</c>):
/// StackExchange.Redis's shared pool of dedicated threads, or the .NET thread pool. Read and checked at start-up.
/// </summary>
public enum RedisSocketScheduler
{
    /// <summary>StackExchange.Redis's <see cref="SocketManager.Shared"/>: ten dedicated threads per process.</summary>
    Dedicated,

    /// <summary><see cref="SocketManager.ThreadPool"/>: completions on the .NET thread pool, no threads of its own.</summary>
    ThreadPool,
}

public static class RedisSocketSchedulers
{
    public const string Key = "Chat:Redis:SocketScheduler";

    /// <summary>The scheduler when <see cref="Key"/> is not set: the library's own default.</summary>
    public const RedisSocketScheduler Default = RedisSocketScheduler.Dedicated;

    /// <summary>The configured scheduler; a value that names neither is refused at start-up.</summary>
    public static RedisSocketScheduler Read(IConfiguration configuration, RedisSocketScheduler fallback)
    {
        var value = configuration[Key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        // By name only: Enum.TryParse would also take numbers and comma-separated lists.
        foreach (var scheduler in Enum.GetValues<RedisSocketScheduler>())
        {
            if (string.Equals(value.Trim(), scheduler.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                return scheduler;
            }
        }
        throw new InvalidOperationException($"{Key} is '{value}'; it must be {nameof(RedisSocketScheduler.Dedicated)} or {nameof(RedisSocketScheduler.ThreadPool)}.");
    }

    public static SocketManager SocketManagerOf(RedisSocketScheduler scheduler) =>
        scheduler == RedisSocketScheduler.ThreadPool ? SocketManager.ThreadPool : SocketManager.Shared;

    /// <summary>Makes a connection's options run on <paramref name="scheduler"/>: the one place the option meets the client.</summary>
    public static ConfigurationOptions Apply(ConfigurationOptions options, RedisSocketScheduler scheduler)
    {
        options.SocketManager = SocketManagerOf(scheduler);
        return options;
    }
}
