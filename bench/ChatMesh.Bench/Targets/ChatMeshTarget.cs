using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.Bench.Targets;

/// <summary>
/// The whole ChatMesh pipeline, started through the AppHost (local Redis and RabbitMQ, one gateway): receivers and
/// the sender are raw chatmesh.v1 WebSockets, so every delivery crosses auth, the Redis commit, the outbox, RabbitMQ
/// and the gateway's per-connection queues.
/// </summary>
internal sealed class ChatMeshTarget(Action<IDistributedApplicationTestingBuilder>? configure = null, IEnumerable<string>? arguments = null) : IChatTarget
{
    private readonly string _runId = $"bench-{Guid.NewGuid():N}";
    private readonly string _state = Directory.CreateTempSubdirectory("chatmesh-bench-").FullName;
    private readonly string _room = $"bench-{Guid.NewGuid().ToString("N")[..8]}";
    private string[] _rooms = [];
    private string[] _tokens = [];
    private DistributedApplication? _app;
    private OtlpSink? _telemetry;
    private string _leaderAtStart = "outbox leader: unknown";
    private (int? Pid, string Description) _redis = (null, "redis-server CPU not sampled: not started");
    private HttpClient? _http;
    private Uri? _ws;

    public string Name => "ChatMesh (WebSocket, full pipeline)";

    public int ServerProcessId { get; private set; }

    /// <summary>The running AppHost (after <see cref="StartAsync"/>), to reach the other services.</summary>
    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    /// <summary>The benchmark room every signed-in user is a member of (the first room when there are several).</summary>
    public string Room => _rooms.Length == 0 ? _room : _rooms[0];

    /// <summary>The benchmark rooms: receiver <c>i</c> is a member of <c>Rooms[i % Rooms.Count]</c>; the owner (the sender) of all.</summary>
    public IReadOnlyList<string> Rooms => _rooms;

    /// <summary>The marker in every process of this run's environment (for <see cref="ProcessMemory.Find"/>).</summary>
    public string RunMarker => $"CHATMESH_RUN_ID={_runId}";

    /// <summary>The bearer token of receiver user <paramref name="index"/> (a member of <see cref="Room"/>).</summary>
    public string ReceiverToken(int index) => _tokens[1 + (index % (_tokens.Length - 1))];

    /// <summary>Lifts the logging of a service to warnings only, as for the gateway.</summary>
    public static IResourceBuilder<ProjectResource> Service(IDistributedApplicationTestingBuilder builder, string name) =>
        builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == name))
            .WithEnvironment("Logging__LogLevel__Default", "Warning");

    public Task StartAsync(int receivers, CancellationToken cancellationToken) => StartAsync(receivers, rooms: 1, cancellationToken);

    /// <summary>Starts the AppHost, creates <paramref name="rooms"/> rooms and signs in <paramref name="receivers"/> users, receiver <c>i</c> joining room <c>i % rooms</c>.</summary>
    public async Task StartAsync(int receivers, int rooms, CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable("CHATMESH_RUN_ID", _runId);
        // Aspire.Hosting.Testing points every service's OTLP exporter at http://localhost:4317 (its default for the
        // dashboard's OTLP endpoint, the dashboard being off in tests), where nothing listens: the bench receives it.
        _telemetry = await OtlpSink.StartAsync(cancellationToken);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ChatMesh_AppHost>(
            ["--ChatMesh:Infrastructure:Mode=Local", $"--ChatMesh:Infrastructure:StateDirectory={_state}",
             $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL={_telemetry.Endpoint.GetLeftPart(UriPartial.Authority)}", .. arguments ?? []], cancellationToken);
        // Start-up health probes fail until each service is up; only real problems should reach the console.
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Aspire.Hosting", LogLevel.Critical)
            .AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical).AddFilter("ChatMesh.AppHost.Resources", LogLevel.Warning)
            .AddFilter("System.Net.Http.HttpClient", LogLevel.Warning));
        var gateway = builder.CreateResourceBuilder(builder.Resources.OfType<ProjectResource>().Single(resource => resource.Name == "gateway"));
        // The load generator is one client sending far faster than a person: lift its rate limit, nothing else.
        gateway.WithEnvironment("Gateway__WebSocket__FramesPerSecond", "1000000")
            .WithEnvironment("Gateway__WebSocket__FrameBurst", "1000000")
            .WithEnvironment("Logging__LogLevel__Default", "Warning");
        configure?.Invoke(builder);
        OutboxLeader.GatewayFirst(builder);
        _app = await builder.BuildAsync(cancellationToken);
        await _app.StartAsync(cancellationToken);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("gateway", cancellationToken);
        var gatewayAddress = await DirectAddressAsync("gateway", cancellationToken);
        _http = new HttpClient { BaseAddress = gatewayAddress };
        _ws = new UriBuilder(gatewayAddress) { Scheme = "ws", Path = "/ws" }.Uri;
        ServerProcessId = ProcessMemory.Find("ChatMesh.Gatewa", $"CHATMESH_RUN_ID={_runId}")
            ?? throw new InvalidOperationException("The gateway process was not found.");
        _leaderAtStart = await OutboxLeader.DescribeAsync(_app, RunMarker, cancellationToken);
        Console.WriteLine($"   {_leaderAtStart}");
        _redis = await RedisPrimary.FindAsync(_app, _state, cancellationToken);
        Console.WriteLine($"   {_redis.Description}");

        var owner = await SignInAsync("bench-owner", cancellationToken);
        _rooms = rooms == 1 ? [_room] : [.. Enumerable.Range(0, rooms).Select(k => $"{_room}-{k}")];
        foreach (var room in _rooms)
        {
            using var create = new HttpRequestMessage(HttpMethod.Post, "/api/rooms") { Content = JsonContent.Create(new { id = room, name = room, kind = "public" }) };
            create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner);
            (await _http.SendAsync(create, cancellationToken)).EnsureSuccessStatusCode();
        }

        _tokens = new string[receivers + 1];
        _tokens[0] = owner;
        await Parallel.ForAsync(0, receivers, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var user = await SignInAsync($"bench-r{i}", token);
            using var join = new HttpRequestMessage(HttpMethod.Post, $"/api/rooms/{_rooms[i % rooms]}/join");
            join.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user);
            (await _http.SendAsync(join, token)).EnsureSuccessStatusCode();
            _tokens[1 + i] = user;
        });
    }

    /// <summary>
    /// The address <paramref name="resource"/>'s (single) instance itself listens on, from its <c>ASPNETCORE_URLS</c>:
    /// the bench talks to the service directly, as it does to the SignalR hub, not through Aspire's development-time
    /// endpoint proxy (a userspace TCP relay that would add a hop, two sockets per connection and its own CPU to every
    /// figure, and that no production deployment has).
    /// </summary>
    public async Task<Uri> DirectAddressAsync(string resource, CancellationToken cancellationToken)
    {
        await foreach (var update in App.ResourceNotifications.WatchAsync(cancellationToken))
        {
            if (update.Resource.Name == resource && update.Snapshot.State?.Text == KnownResourceStates.Running
                && update.Snapshot.EnvironmentVariables.FirstOrDefault(variable => variable.Name == "ASPNETCORE_URLS")?.Value is { } urls)
            {
                return new Uri(urls.Split(';')[0]);
            }
        }

        throw new InvalidOperationException($"No running instance of {resource} was found.");
    }

    /// <summary>For the report: the outbox leader at the start and now, and what the OTLP sink received so far.</summary>
    public async Task<string> DescribeAsync(CancellationToken cancellationToken) =>
        $"{_leaderAtStart} at the start, {await OutboxLeader.DescribeAsync(App, RunMarker, cancellationToken)} at the end; {_redis.Description}; {_telemetry?.Summary()}";

    public async Task<RawSocket> ConnectReceiverAsync(int index, LatencyRecorder? recorder, CancellationToken cancellationToken)
    {
        var socket = await RawSocket.ConnectAsync(_ws!, "chatmesh.v1", ReceiverToken(index), cancellationToken);
        await socket.SendAsync("""{"type":"subscribe"}""", cancellationToken);
        await socket.ReceiveUntilAsync(text => text.Contains("\"subscribed\"", StringComparison.Ordinal), cancellationToken);
        socket.StartRecording(recorder);
        return socket;
    }

    public async Task<Func<string, CancellationToken, Task>> ConnectSenderAsync(CancellationToken cancellationToken)
    {
        var send = await ConnectRoomSenderAsync(cancellationToken);
        return (text, token) => send(_room, text, token);
    }

    /// <summary>A connection of the owner (a member of every room) that posts <c>send</c> frames into the room given.</summary>
    public async Task<Func<string, string, CancellationToken, Task>> ConnectRoomSenderAsync(CancellationToken cancellationToken)
    {
        var socket = await ConnectOwnerSocketAsync(cancellationToken);
        socket.StartReceiving(static _ => { });
        return (room, text, token) => socket.SendAsync(JsonSerializer.Serialize(new { type = "send", room, text }), token);
    }

    /// <summary>The run's processes whose CPU a step reports: gateway, the Redis primary (<see cref="RedisPrimary"/>), RabbitMQ, the other services, the load generator.</summary>
    public CpuWatch CpuWatch() => new(
    [
        ("gateway", ServerProcessId),
        ("redis-server", _redis.Pid),
        ("rabbitmq", ProcessMemory.Find("beam.smp", RunMarker)),
        ("notification", ProcessMemory.Find("ChatMesh.Notifi", RunMarker)),
        ("legacy", ProcessMemory.Find("ChatMesh.Legacy", RunMarker)),
        ("integration", ProcessMemory.Find("ChatMesh.Integr", RunMarker)),
        ("web", ProcessMemory.Find("ChatMesh.Web", RunMarker)),
        ("bench", Environment.ProcessId),
    ]);

    /// <summary>A chatmesh.v1 connection of the owner (a member of every room), not yet receiving.</summary>
    public Task<RawSocket> ConnectOwnerSocketAsync(CancellationToken cancellationToken) =>
        RawSocket.ConnectAsync(_ws!, "chatmesh.v1", _tokens[0], cancellationToken);

    private async Task<string> SignInAsync(string user, CancellationToken cancellationToken)
    {
        using var response = await _http!.PostAsJsonAsync("/api/auth/sign-in", new { userName = user }, cancellationToken);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return body.RootElement.GetProperty("token").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (_telemetry is not null)
        {
            Console.WriteLine($"   {_telemetry.Summary()} (every service of the run, start to stop)");
            await _telemetry.DisposeAsync();
        }

        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}
