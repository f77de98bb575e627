using ChatMesh.Bench;

// ChatMesh benchmark harness: see docs/benchmarks.md for what it measures and how to read it.
//   dotnet run -c Release --project bench/ChatMesh.Bench -- [--receivers 1000] [--rates 10,50,100] [--seconds 10] [--idle 1000]
// Internal: `--signalr-server <port>` runs the SignalR baseline hub (started by the harness as a child process).
if (args is ["--signalr-server", var port])
{
    await SignalRBaselineServer.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

var options = BenchOptions.Parse(args);
return await BenchRunner.RunAsync(options);
