using System.Globalization;
using Aspire.Hosting;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// N held long-polls: memory per held poll, idle CPU with every poll held, then wake-up latency (post → answer
/// received, per event) under fan-out; on the raw Kestrel floor (<see cref="RawLongPolls"/>) and on ChatMesh's legacy
/// service (one queue each, spread over enough members of one room), side by side in one run.
/// </summary>
internal static class LongPollScenario
{
    private const int DefaultPerUser = 10;

    /// <summary>
    /// The raw floor's garbage collector: workstation GC with its default budget, the setting with raw's lowest latency,
    /// since a floor is the best the bare server does. Under legacy's collector (Server GC, the AppHost's 64 MB gen-0
    /// budget per heap) raw's memory per held poll was the same (11.8 against 11.6 KB: its opening never fills the
    /// budget; docs/benchmarks.md, session 15, poll14), so the memory comparison does not depend on this choice.
    /// </summary>
    private static readonly (string Name, string Value)[] FloorRuntime = [("DOTNET_gcServer", "0")];

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("Long-poll");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var users = (options.Polls + options.PerUser - 1) / options.PerUser;
        var results = await HeldScenario.RunAsync(options, "longpoll", options.Polls, async (server, token) =>
            {
                LongPoller.ResetCounters();
                return server == "raw"
                    ? await RawFeedTarget.StartAsync("raw Kestrel long-poll", token, FloorRuntime)
                    : await ServiceUnderTest.StartAsync("ChatMesh (long-poll)", "legacy", "ChatMesh.Legacy", users, legacy =>
                    {
                        if (options.PerUser > DefaultPerUser)
                        {
                            var perUser = options.PerUser.ToString(CultureInfo.InvariantCulture);
                            legacy.WithEnvironment("Legacy__MaxQueuesPerUser", perUser).WithEnvironment("Legacy__MaxHeldPollsPerUser", perUser);
                        }
                    }, token);
            },
            (server, i, recorder, token) => server is RawFeedTarget
                ? Task.FromResult(LongPoller.StartRaw(server.Http, recorder))
                : LongPoller.RegisterAsync(server.Http, server.ReceiverToken(i / options.PerUser)!, recorder, token),
            () => $"{LongPoller.Held} of {options.Polls} polls held at the end of the idle window, {LongPoller.Answers} answered from the opening to its end (heartbeats: 0 when the window held no timeout)",
            () => $"{LongPoller.Failures} failed polls over the run",
            cancel.Token,
            firstTimeout: LongPoller.Timeout,
            answered: () => LongPoller.Answers);

        report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Polls} held long-polls (timeout 30 s; the client re-polls at once with the answer's `lastEventId`), {options.MessageLength}-character messages, {options.StepDuration.TotalSeconds:0} s per step, idle CPU over at most {options.IdleWindow.TotalSeconds:0} s ending before the first poll's 30 s timeout, load generator in the same machine. Latency: post → poll answer received, per event. ChatMesh: `GET /poll/queues/{{id}}/events` of the legacy service, one queue each, {options.PerUser} per user, {users} users in one room, messages posted over a WebSocket (its figures include `Legacy:CoalesceDelay`). Raw Kestrel: `GET /poll?after=N` of a bare Kestrel long-poll (events in memory, no auth, no Redis, no bus, no coalescing) in a child process, messages posted with `POST /send`.");
        report.Body.AppendLine();
        HeldScenario.AppendTables(report.Body, results, "memory per held poll");
        await report.WriteAsync(options, cancel.Token);
        return 0;
    }
}
