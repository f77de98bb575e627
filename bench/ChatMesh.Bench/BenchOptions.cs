using System.Globalization;

namespace ChatMesh.Bench;

/// <summary>
/// Scenario knobs; the defaults are design.md's reference scenarios (1,000 WebSocket receivers in one room, 10,000 SSE
/// streams, 10,000 held long-polls, 64-character messages). <see cref="Rates"/> is null unless <c>--rates</c> is given:
/// each scenario then uses its own default rates (see <see cref="RatesFor"/>).
/// </summary>
internal sealed record BenchOptions(int Receivers, int[]? Rates, TimeSpan StepDuration, int IdleConnections, int MessageLength, string Output)
{
    public string Scenario { get; init; } = "websocket";

    /// <summary>SSE streams held open on <c>GET /sse</c> (<c>--streams</c>).</summary>
    public int Streams { get; init; } = 10_000;

    /// <summary>Held long-polls, one per queue (<c>--polls</c>).</summary>
    public int Polls { get; init; } = 10_000;

    /// <summary>Streams or queues per signed-in user (<c>--per-user</c>); above 10 the services' per-user caps are raised.</summary>
    public int PerUser { get; init; } = 10;

    /// <summary>Webhook endpoints registered, each owned by a different member of the room (<c>--endpoints</c>).</summary>
    public int Endpoints { get; init; } = 10;

    /// <summary>Rooms of the rooms scenario (<c>--rooms</c>).</summary>
    public int Rooms { get; init; } = 200;

    /// <summary>Members (WebSocket receivers) per room in the rooms scenario (<c>--members</c>).</summary>
    public int Members { get; init; } = 50;

    /// <summary>Sender sockets posting round-robin into every room in the rooms scenario (<c>--senders</c>; at most 16: one user's connection cap is 20).</summary>
    public int Senders { get; init; } = 4;

    /// <summary>Weights of WebSocket, SSE and long-poll receivers in the mixed scenario (<c>--split 1,1,1</c>).</summary>
    public int[] Split { get; init; } = [1, 1, 1];

    /// <summary>Closed-loop sender sockets of each step of the commits scenario (<c>--concurrency 1,4,16</c>; at most 16: one user's connection cap is 20).</summary>
    public int[] Concurrency { get; init; } = [1, 4, 16];

    /// <summary>Traffic per case of the faults scenario (<c>--fault-seconds</c>): a third before the fault, the rest after its repair.</summary>
    public TimeSpan FaultWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The fault cases to run (<c>--faults kill-redis,client-cut</c>), or null for every case.</summary>
    public string[]? Faults { get; init; }

    /// <summary>How long the idle CPU of the server process is sampled with everything open and no traffic (<c>--idle-seconds</c>).</summary>
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long each target is driven at the first rate, unmeasured, before the measured steps: long enough for the
    /// runtime's tiered JIT of every service to settle, so the steps measure steady state, not warm-up.
    /// </summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The servers given with <c>--servers</c>, in order, or null (each scenario then measures all of its own). See
    /// <see cref="ServersFor"/>.
    /// </summary>
    public string[]? Servers { get; init; }

    public static readonly string[] WebSocketServers = ["signalr", "raw", "chatmesh"];

    /// <summary>The servers of the held-connection scenarios (sse, longpoll): the raw Kestrel floor and ChatMesh.</summary>
    public static readonly string[] HeldServers = ["raw", "chatmesh"];

    public static readonly string[] Scenarios = ["websocket", "sse", "longpoll", "webhooks", "rooms", "mixed", "commits", "faults"];

    /// <summary>
    /// <c>all</c>: every scenario in <see cref="Scenarios"/> order but <c>faults</c> (it kills the servers it measures,
    /// and runs for minutes); else the comma-separated list given.
    /// </summary>
    public IEnumerable<string> SelectedScenarios => Scenario == "all" ? Scenarios.Where(scenario => scenario != "faults") : Scenario.Split(',');

    /// <summary>Messages per second per step: <c>--rates</c> if given, else the scenario's default.</summary>
    public int[] RatesFor(string scenario) => Rates ?? scenario switch
    {
        "sse" => [1, 5, 10],
        "longpoll" => [1, 2, 5],
        "webhooks" => [20, 100, 200],
        "rooms" => [50, 200, 1000],
        "mixed" => [1, 5, 10],
        _ => [10, 50, 100],
    };

    /// <summary>
    /// The servers <paramref name="scenario"/> measures, in order: those of <c>--servers</c> that the scenario has
    /// (websocket: signalr, raw, chatmesh; sse and longpoll: raw, chatmesh), or all of its own when none was given.
    /// Empty for the scenarios that compare no servers.
    /// </summary>
    public string[] ServersFor(string scenario)
    {
        var own = scenario switch
        {
            "websocket" => WebSocketServers,
            "sse" or "longpoll" => HeldServers,
            _ => [],
        };
        return Servers is null ? own : [.. Servers.Where(own.Contains)];
    }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(1000, null, TimeSpan.FromSeconds(10), 1000, 64, "bench-results.md");
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"Option {args[i]} needs a value.");
            }

            var value = args[i + 1];
            options = args[i] switch
            {
                "--scenario" => options with { Scenario = value is "all" || value.Split(',').All(Scenarios.Contains) ? value : throw new ArgumentException($"Unknown scenario {value}: one or a comma-separated list of {string.Join(", ", Scenarios)}; or all.") },
                "--receivers" => options with { Receivers = Positive(args[i], value) },
                "--streams" => options with { Streams = Positive(args[i], value) },
                "--polls" => options with { Polls = Positive(args[i], value) },
                "--per-user" => options with { PerUser = Positive(args[i], value) },
                "--endpoints" => options with { Endpoints = Positive(args[i], value) },
                "--rooms" => options with { Rooms = Positive(args[i], value) },
                "--members" => options with { Members = Positive(args[i], value) },
                "--senders" => options with { Senders = Positive(args[i], value) is var senders and <= 16 ? senders : throw new ArgumentException("--senders must be at most 16 (one user may hold 20 WebSockets).") },
                "--split" => options with { Split = ParseSplit(value) },
                "--concurrency" => options with { Concurrency = [.. value.Split(',').Select(level => Positive(args[i], level) is var n and <= 16 ? n : throw new ArgumentException("--concurrency levels must be 1 to 16 (one user may hold 20 WebSockets)."))] },
                "--servers" => options with { Servers = ParseServers(value) },
                "--warmup" => options with { Warmup = double.Parse(value, CultureInfo.InvariantCulture) is var warmup and >= 0 ? TimeSpan.FromSeconds(warmup) : throw new ArgumentException("--warmup takes seconds, 0 or more.") },
                "--idle-seconds" => options with { IdleWindow = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--rates" => options with { Rates = [.. value.Split(',').Select(rate => int.Parse(rate, CultureInfo.InvariantCulture))] },
                "--seconds" => options with { StepDuration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--idle" => options with { IdleConnections = int.Parse(value, CultureInfo.InvariantCulture) },
                "--message-length" => options with { MessageLength = int.Parse(value, CultureInfo.InvariantCulture) },
                "--output" => options with { Output = value },
                "--fault-seconds" => options with { FaultWindow = double.Parse(value, CultureInfo.InvariantCulture) is var window and >= 3 and <= 600 ? TimeSpan.FromSeconds(window) : throw new ArgumentException("--fault-seconds takes 3 to 600 seconds of traffic per fault case.") },
                "--faults" => options with { Faults = [.. value.Split(',').Select(id => ChatMesh.Testing.Faults.FaultCases.Get(id.Trim()).Id)] },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        foreach (var scenario in options.SelectedScenarios.Where(scenario => scenario is "websocket" or "sse" or "longpoll"))
        {
            if (options.ServersFor(scenario).Length == 0)
            {
                throw new ArgumentException($"--servers {string.Join(',', options.Servers!)} names no server of the {scenario} scenario ({string.Join(", ", scenario == "websocket" ? WebSocketServers : HeldServers)}).");
            }
        }

        return options;
    }

    /// <summary>The mixed scenario's receivers per channel: <see cref="Receivers"/> split by <see cref="Split"/> (the remainder to the first channels).</summary>
    public (int WebSockets, int Streams, int Polls) MixedReceivers()
    {
        var total = Split.Sum();
        var counts = Split.Select(weight => Receivers * weight / total).ToArray();
        for (var i = 0; counts.Sum() < Receivers; i = (i + 1) % counts.Length)
        {
            counts[i] += Split[i] > 0 ? 1 : 0;
        }

        return (counts[0], counts[1], counts[2]);
    }

    private static int[] ParseSplit(string value)
    {
        var weights = value.Split(',').Select(weight => int.Parse(weight, CultureInfo.InvariantCulture)).ToArray();
        return weights.Length == 3 && weights.All(weight => weight >= 0) && weights.Sum() > 0
            ? weights
            : throw new ArgumentException("--split takes three weights (WebSocket,SSE,long-poll), e.g. 1,1,1 or 2,1,0; at least one above 0.");
    }

    private static string[] ParseServers(string value)
    {
        var servers = value.Split(',').Select(server => server.Trim().ToLowerInvariant()).Distinct().ToArray();
        return servers.Length > 0 && servers.All(WebSocketServers.Contains)
            ? servers
            : throw new ArgumentException($"--servers takes a comma-separated list of {string.Join(", ", WebSocketServers)} (sse and longpoll: {string.Join(", ", HeldServers)}).");
    }

    private static int Positive(string option, string value)
    {
        var parsed = int.Parse(value, CultureInfo.InvariantCulture);
        return parsed >= 1 ? parsed : throw new ArgumentException($"{option} must be at least 1.");
    }
}
