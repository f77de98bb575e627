using ChatMesh.Chat.Hosting;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace ChatMesh.Chat.Tests.Hosting;

/// <summary><c>Chat:Redis:SocketScheduler</c>: the library's dedicated threads unless set, the thread pool when asked, and a typo refused at start.</summary>
public sealed class RedisSocketSchedulerTests
{
    [Theory]
    [InlineData(null, RedisSocketScheduler.Dedicated)]
    [InlineData("", RedisSocketScheduler.Dedicated)]
    [InlineData("Dedicated", RedisSocketScheduler.Dedicated)]
    [InlineData("threadpool", RedisSocketScheduler.ThreadPool)]
    [InlineData("ThreadPool", RedisSocketScheduler.ThreadPool)]
    public void A_configured_scheduler_is_read_case_insensitively_and_defaults_to_the_dedicated_threads(string? value, RedisSocketScheduler expected)
    {
        Assert.Equal(expected, RedisSocketSchedulers.Read(Configuration(value), RedisSocketScheduler.Dedicated));
    }

    [Theory]
    [InlineData("Fast")]
    [InlineData("1")]
    [InlineData("Dedicated,ThreadPool")]
    public void Any_other_value_refuses_to_start_and_names_the_setting(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => RedisSocketSchedulers.Read(Configuration(value), RedisSocketScheduler.Dedicated));
        Assert.Contains(RedisSocketSchedulers.Key, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_scheduler_selects_its_socket_manager()
    {
        Assert.Same(SocketManager.Shared, RedisSocketSchedulers.SocketManagerOf(RedisSocketScheduler.Dedicated));
        Assert.Same(SocketManager.ThreadPool, RedisSocketSchedulers.SocketManagerOf(RedisSocketScheduler.ThreadPool));
    }

    private static IConfiguration Configuration(string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [RedisSocketSchedulers.Key] = value }).Build();
}
