using ChatMesh.Bench;

// ChatMesh benchmark harness: see docs/benchmarks.md for what it measures and how to read it.
//   ulimit -n 65536 && dotnet run -c Release --project bench/ChatMesh.Bench -- [--scenario websocket|sse|longpoll|webhooks|rooms|mixed|commits|faults[,…]|all]
//     websocket: [--receivers 1000] [--rates 10,50,100] [--seconds 10]
//     sse:       [--streams 10000] [--per-user 10] [--idle-seconds 10]      longpoll: [--polls 10000] [--per-user 10]
//     websocket, sse, longpoll: [--servers signalr,raw,chatmesh] (sse and longpoll: raw,chatmesh)
//     webhooks:  [--endpoints 10]
//     rooms:     [--rooms 200] [--members 50] [--senders 4]               mixed: [--receivers 1000] [--split 1,1,1]
//     commits:   [--concurrency 1,4,16] (closed-loop senders, no receivers: the write ceiling)
//     faults:    [--fault-seconds 30] [--faults client-cut,kill-redis,…] (the E2E fault cases, longer; not in `all`)
// Internal: `--signalr-server <port>` runs the SignalR baseline hub, `--raw-server <port>` the raw Kestrel WebSocket
// broadcast, `--raw-feed-server <port>` the raw SSE and long-poll server (each started by the harness as a child process).
if (args is ["--signalr-server", var port])
{
    await SignalRBaselineServer.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["--raw-server", var rawPort])
{
    await RawKestrelServer.RunAsync(int.Parse(rawPort, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["--raw-feed-server", var feedPort])
{
    await RawFeedServer.RunAsync(int.Parse(feedPort, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

var options = BenchOptions.Parse(args);
if (FileLimits.Check(options) is { } problem)
{
    Console.Error.WriteLine(problem);
    return 2;
}

var status = 0;
foreach (var scenario in options.SelectedScenarios)
{
    status |= scenario switch
    {
        "sse" => await SseScenario.RunAsync(options),
        "longpoll" => await LongPollScenario.RunAsync(options),
        "webhooks" => await WebhookScenario.RunAsync(options),
        "rooms" => await RoomsScenario.RunAsync(options),
        "mixed" => await MixedScenario.RunAsync(options),
        "commits" => await CommitsScenario.RunAsync(options),
        "faults" => await FaultsScenario.RunAsync(options),
        _ => await BenchRunner.RunAsync(options),
    };
}

return status;
