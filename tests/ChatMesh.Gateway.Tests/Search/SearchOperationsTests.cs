using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Rooms;
using ChatMesh.Gateway.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>
/// <c>/operations/search</c> on a real Kestrel host with the gateway's search composition, a real redis-server of the
/// class's own (<see cref="SearchRedis"/>) and index folder: off without an operator key, refused without the key, a
/// rebuild on demand while searches keep answering from the old index, and a second rebuild refused with 409 while the
/// first runs.
/// </summary>
public sealed class SearchOperationsTests(SearchRedis redis) : SearchRedisTestBase(redis, "chatmesh-operations-")
{
    private const string Key = "operator-key-for-the-tests-0123456789";
    [Fact]
    public async Task Without_an_operator_key_the_operations_endpoints_do_not_exist()
    {
        await using var gateway = await StartAsync(operatorKey: null);

        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Http.GetAsync("/operations/search", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(gateway, HttpMethod.Post, "/operations/search/rebuild", Key)).StatusCode);
    }

    [Fact]
    public async Task A_request_without_the_operator_key_or_with_another_is_refused_with_401()
    {
        await using var gateway = await StartAsync(Key);
        // A new index folder is rebuilt at start: let it finish first.
        var before = await WaitForStatusAsync(gateway, status => status.State == SearchRebuildStates.Idle && status.FinishedAt is not null);

        foreach (var (method, path) in new[] { (HttpMethod.Get, "/operations/search"), (HttpMethod.Post, "/operations/search/rebuild") })
        {
            foreach (var sent in new[] { null, "", Key + "x", Key[..^1] })
            {
                var refused = await Send(gateway, method, path, sent);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Equal(SearchErrors.OperatorKeyRequired, await ErrorCodeAsync(refused));
            }
        }
        // Nothing was asked for or started by the refused POSTs.
        var after = await StatusAsync(gateway);
        Assert.Equal(SearchRebuildStates.Idle, after.State);
        Assert.Equal(before.RequestedAt, after.RequestedAt);
        Assert.Equal(before.StartedAt, after.StartedAt);
    }

    [Fact]
    public async Task A_rebuild_on_demand_keeps_searches_answering_refuses_a_second_with_409_and_shows_its_progress()
    {
        var (alice, room) = (Name("alice"), Name("room"));
        await Chat.CreateRoomAsync(alice, room, "Room", RoomKind.Public, null, Cancel);
        var first = (await Chat.PostMessageAsync(alice, room, $"kiwi{Suffix} one", null, null, Cancel)).EventId;
        var second = (await Chat.PostMessageAsync(alice, room, $"kiwi{Suffix} two", null, null, Cancel)).EventId;
        var hold = new RebuildHold();
        await using var gateway = await StartAsync(Key, hold);
        var search = gateway.App.Services.GetRequiredService<MessageSearch>();
        Assert.Equal([second, first], await SearchProbe.WaitForAsync(search, alice, $"kiwi{Suffix}", 2));
        await WaitForStatusAsync(gateway, status => status.State == SearchRebuildStates.Idle);
        hold.Arm();

        var accepted = await Send(gateway, HttpMethod.Post, "/operations/search/rebuild", Key);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal("/operations/search", accepted.Headers.Location?.OriginalString);
        Assert.Contains((await accepted.Content.ReadFromJsonAsync<SearchIndexStatus>(Cancel))!.State,
            new[] { SearchRebuildStates.Pending, SearchRebuildStates.Rebuilding });

        // Held after its first room: the index is emptied and partly refilled, but not yet what searches read.
        await hold.Entered.WaitAsync(SearchProbe.Patience, Cancel);
        var running = await StatusAsync(gateway);
        Assert.Equal(SearchRebuildStates.Rebuilding, running.State);
        Assert.NotNull(running.StartedAt);
        Assert.Null(running.FinishedAt);
        Assert.Equal([second, first], await SearchProbe.IdsAsync(search, alice, $"kiwi{Suffix}"));

        var conflict = await Send(gateway, HttpMethod.Post, "/operations/search/rebuild", Key);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(SearchErrors.RebuildRunning, await ErrorCodeAsync(conflict));

        // Posted while it runs: found once the rebuild is done (it is after the head the rebuild started from).
        var during = (await Chat.PostMessageAsync(alice, room, $"kiwi{Suffix} three", null, null, Cancel)).EventId;
        Assert.Equal([second, first], await SearchProbe.IdsAsync(search, alice, $"kiwi{Suffix}"));
        hold.Release();

        var done = await WaitForStatusAsync(gateway, status => status.State == SearchRebuildStates.Idle && status.Position >= during);
        Assert.NotNull(done.FinishedAt);
        Assert.True(done.MessagesIndexed >= 2, $"{done.MessagesIndexed} messages indexed");
        Assert.Equal([during, second, first], await SearchProbe.WaitForAsync(search, alice, $"kiwi{Suffix}", 3));
        // And the next one is accepted again.
        Assert.Equal(HttpStatusCode.Accepted, (await Send(gateway, HttpMethod.Post, "/operations/search/rebuild", Key)).StatusCode);
    }

    private async Task<RunningGateway> StartAsync(string? operatorKey, RebuildHold? hold = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration["Gateway:Search:Directory"] = Folder;
        builder.Configuration["Gateway:Search:OperatorKey"] = operatorKey;
        builder.Configuration["Gateway:Search:IdleReadTimeout"] = "00:00:00.100";
        var state = new SearchRebuildState(TimeProvider.System);
        builder.Services.AddSingleton<IConnectionMultiplexer>(Redis);
        builder.Services.AddSingleton<IChatService>(Chat);
        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton(new SearchRebuild(Redis, state, NullLogger<SearchRebuild>.Instance) { AfterRoom = hold is null ? null : hold.AfterRoomAsync });
        builder.Services.AddChatProblemDetails();
        builder.AddChatSearch();
        var app = builder.Build();
        app.UseChatSearchIndex();
        app.MapChatSearchOperations();
        await app.StartAsync(Cancel);
        return new RunningGateway(app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) }, hold);
    }

    private static Task<HttpResponseMessage> Send(RunningGateway gateway, HttpMethod method, string path, string? key)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(SearchOperationsEndpoints.KeyHeader, key);
        }
        return gateway.Http.SendAsync(request, Cancel);
    }

    private static async Task<SearchIndexStatus> StatusAsync(RunningGateway gateway)
    {
        var response = await Send(gateway, HttpMethod.Get, "/operations/search", Key);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SearchIndexStatus>(Cancel))!;
    }

    private static async Task<SearchIndexStatus> WaitForStatusAsync(RunningGateway gateway, Func<SearchIndexStatus, bool> wanted)
    {
        using var deadline = new CancellationTokenSource(SearchProbe.Patience);
        while (true)
        {
            var status = await StatusAsync(gateway);
            if (wanted(status))
            {
                return status;
            }
            await Task.Delay(20, deadline.Token);
        }
    }

    private static async Task<string?> ErrorCodeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        return body.RootElement.GetProperty(ChatProblems.ErrorExtension).GetString();
    }

    /// <summary>Once armed (after the rebuild of a new index at start), holds the next rebuild after its first room until <see cref="Release"/>.</summary>
    private sealed class RebuildHold
    {
        private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _rooms;
        private volatile bool _armed;

        public void Arm() => _armed = true;

        public Task Entered => _entered.Task;

        public void Release() => _released.TrySetResult();

        public Task AfterRoomAsync(CancellationToken cancellationToken)
        {
            if (!_armed || Interlocked.Increment(ref _rooms) != 1)
            {
                return Task.CompletedTask;
            }
            _entered.TrySetResult();
            return _released.Task.WaitAsync(cancellationToken);
        }
    }

    private sealed record RunningGateway(WebApplication App, HttpClient Http, RebuildHold? Hold) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Hold?.Release();
            Http.Dispose();
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
    }
}
