using System.Globalization;
using Aspire.Hosting;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// N concurrent <c>GET /sse</c> streams: memory per stream, idle CPU with every stream open, then delivery latency under
/// fan-out; on the raw Kestrel floor (<see cref="RawSseStreams"/>) and on ChatMesh's notification service (streams
/// spread over enough members of one room, messages posted over a WebSocket), side by side in one run.
/// </summary>
internal static class SseScenario
{
    private const int DefaultStreamsPerUser = 10;

    /// <summary>The notification service's garbage collector (workstation, its project), for the raw floor too.</summary>
    private static readonly (string Name, string Value)[] NotificationRuntime = [("DOTNET_gcServer", "0")];

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("SSE");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var users = (options.Streams + options.PerUser - 1) / options.PerUser;
        var results = await HeldScenario.RunAsync(options, "sse", options.Streams, async (server, token) =>
            {
                SseStream.ResetCounters();
                return server == "raw"
                    ? await RawFeedTarget.StartAsync("raw Kestrel SSE", token, NotificationRuntime)
                    : await ServiceUnderTest.StartAsync("ChatMesh (SSE)", "notification", "ChatMesh.Notifi", users, notification =>
                    {
                        if (options.PerUser > DefaultStreamsPerUser)
                        {
                            notification.WithEnvironment("Notification__MaxStreamsPerUser", options.PerUser.ToString(CultureInfo.InvariantCulture));
                        }
                    }, token);
            },
            (server, i, recorder, token) => SseStream.OpenAsync(server.Http, server.ReceiverToken(i / options.PerUser), recorder, token),
            () => $"{SseStream.Ended} streams ended by the end of the idle window",
            () => $"{SseStream.Ended} ended before the bench closed them, {SseStream.Errors} `error` events over the run",
            cancel.Token);

        report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Streams} SSE streams, {options.MessageLength}-character messages, {options.StepDuration.TotalSeconds:0} s per step, idle CPU over {options.IdleWindow.TotalSeconds:0} s, load generator in the same machine. ChatMesh: `GET /sse` of the notification service, {options.PerUser} per user, {users} users in one room, messages posted over a WebSocket. Raw Kestrel: `GET /sse` of a bare Kestrel broadcast (no auth, no Redis, no bus) in a child process, messages posted with `POST /send`.");
        report.Body.AppendLine();
        HeldScenario.AppendTables(report.Body, results, "memory per stream");
        await report.WriteAsync(options, cancel.Token);
        return 0;
    }
}
