namespace ChatMesh.Bench.Targets;

/// <summary>
/// <see cref="RawFeedServer"/> (raw Kestrel SSE and long-poll) in its own process, with the garbage collector settings
/// of the ChatMesh service it is compared with (<c>runtime</c>: SSE the notification service's, long-poll legacy's):
/// receivers use the same clients as on ChatMesh, without a token; messages are posted with <c>POST /send</c> on a
/// connection of their own.
/// </summary>
internal sealed class RawFeedTarget : IHeldServer
{
    private readonly ChildServer _server;
    private readonly HttpClient _send;

    private RawFeedTarget(string name, ChildServer server)
    {
        Name = name;
        _server = server;
        var address = new Uri($"http://127.0.0.1:{server.Port}");
        Http = StreamingHttp.Create(address);
        _send = new HttpClient { BaseAddress = address };
    }

    public string Name { get; }

    public int ProcessId => _server.ProcessId;

    public HttpClient Http { get; }

    public static async Task<RawFeedTarget> StartAsync(string name, CancellationToken cancellationToken, params (string Name, string Value)[] runtime)
    {
        Console.WriteLine($"== {name}: starting ({string.Join(", ", runtime.Select(setting => $"{setting.Name}={setting.Value}"))})");
        return new RawFeedTarget(name, await ChildServer.StartAsync("--raw-feed-server", cancellationToken, runtime));
    }

    public string? ReceiverToken(int user) => null;

    public Task<string> DescribeAsync(CancellationToken cancellationToken) => Task.FromResult("");

    public Task<Func<string, CancellationToken, Task>> ConnectSenderAsync(CancellationToken cancellationToken) =>
        Task.FromResult<Func<string, CancellationToken, Task>>(async (text, token) =>
        {
            using var content = new StringContent(text);
            using var response = await _send.PostAsync("/send", content, token);
            response.EnsureSuccessStatusCode();
        });

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        _send.Dispose();
        _server.Dispose();
        return ValueTask.CompletedTask;
    }
}
