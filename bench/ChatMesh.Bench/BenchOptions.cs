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

    /// <summary>How long the idle CPU of the server process is sampled with everything open and no traffic (<c>--idle-seconds</c>).</summary>
    public TimeSpan IdleWindow { get; init; } = TimeSpan.FromSeconds(10);

    public static readonly string[] Scenarios = ["websocket", "sse", "longpoll", "webhooks"];

    public IEnumerable<string> SelectedScenarios => Scenario == "all" ? Scenarios : [Scenario];

    /// <summary>Messages per second per step: <c>--rates</c> if given, else the scenario's default.</summary>
    public int[] RatesFor(string scenario) => Rates ?? scenario switch
    {
        "sse" => [1, 5, 10],
        "longpoll" => [1, 2, 5],
        "webhooks" => [20, 100, 200],
        _ => [10, 50, 100],
    };

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
                "--scenario" => options with { Scenario = value is "all" || Scenarios.Contains(value) ? value : throw new ArgumentException($"Unknown scenario {value}: one of {string.Join(", ", Scenarios)}, all.") },
                "--receivers" => options with { Receivers = Positive(args[i], value) },
                "--streams" => options with { Streams = Positive(args[i], value) },
                "--polls" => options with { Polls = Positive(args[i], value) },
                "--per-user" => options with { PerUser = Positive(args[i], value) },
                "--endpoints" => options with { Endpoints = Positive(args[i], value) },
                "--idle-seconds" => options with { IdleWindow = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--rates" => options with { Rates = [.. value.Split(',').Select(rate => int.Parse(rate, CultureInfo.InvariantCulture))] },
                "--seconds" => options with { StepDuration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--idle" => options with { IdleConnections = int.Parse(value, CultureInfo.InvariantCulture) },
                "--message-length" => options with { MessageLength = int.Parse(value, CultureInfo.InvariantCulture) },
                "--output" => options with { Output = value },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        return options;
    }

    private static int Positive(string option, string value)
    {
        var parsed = int.Parse(value, CultureInfo.InvariantCulture);
        return parsed >= 1 ? parsed : throw new ArgumentException($"{option} must be at least 1.");
    }
}
