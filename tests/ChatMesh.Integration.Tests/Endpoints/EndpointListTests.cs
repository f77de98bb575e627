using ChatMesh.Chat.Tests.Redis;
using ChatMesh.Chat.Webhooks;
using ChatMesh.Integration.Endpoints;
using StackExchange.Redis;

namespace ChatMesh.Integration.Tests.Endpoints;

/// <summary>
/// The endpoint list the delivery path matches each event against: read again only when an endpoint changed, and then at
/// once, whichever instance changed it (each store below stands for an integration instance).
/// </summary>
public sealed class EndpointListTests(RedisServerFixture redis) : IAsyncLifetime
{
    // A database of its own: no other test's endpoint writes move the revision under these tests.
    private const int Database = 7;
    private ConnectionMultiplexer? _connection;

    public async ValueTask InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port},defaultDatabase={Database},allowAdmin=true");
        await _connection.GetDatabase().ExecuteAsync("FLUSHDB");
    }

    private EndpointStore Store() => new(_connection!, TimeProvider.System);

    private static WebhookEndpoint Endpoint(string owner) => new(
        EndpointStore.NewId(), owner, "http://127.0.0.1:9/hook", null, null, null, true, null, DateTimeOffset.UnixEpoch, null,
        WebhookSecret.Generate().Encode(), null, null);

    [Fact]
    public async Task An_unchanged_list_is_not_read_again()
    {
        var store = Store();
        await store.SaveAsync(Endpoint("alice"));
        var first = await store.ListAllAsync();
        Assert.Same(first, await store.ListAllAsync());
    }

    [Fact]
    public async Task An_endpoint_added_deleted_or_disabled_on_another_instance_is_matched_as_it_is_now()
    {
        var delivery = Store();
        var api = Store();
        Assert.Empty(await delivery.ListAllAsync());

        var bob = Endpoint("bob");
        await api.SaveAsync(bob);
        Assert.Equal([bob.Id], (await delivery.ListAllAsync()).Select(endpoint => endpoint.Id));

        var carol = Endpoint("carol");
        await api.SaveAsync(carol);
        await api.DisableAsync(bob.Id, "gone");
        var listed = await delivery.ListAllAsync();
        Assert.False(Assert.Single(listed, endpoint => endpoint.Id == bob.Id).Enabled);
        Assert.True(Assert.Single(listed, endpoint => endpoint.Id == carol.Id).Enabled);

        await api.SaveAsync(bob with { Enabled = true, Rooms = ["lobby"] });
        Assert.Equal(["lobby"], Assert.Single(await delivery.ListAllAsync(), endpoint => endpoint.Id == bob.Id).Rooms);

        await api.DeleteAsync(carol);
        Assert.Equal([bob.Id], (await delivery.ListAllAsync()).Select(endpoint => endpoint.Id));
        await api.DeleteAsync(bob);
        Assert.Empty(await delivery.ListAllAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.GetDatabase().ExecuteAsync("FLUSHDB");
            await _connection.DisposeAsync();
        }
    }
}
