using System.Globalization;
using Aspire.Hosting;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// N held long-polls on the legacy service (one queue each, spread over enough members of one room): memory per held
/// poll, idle CPU with every poll held, then wake-up latency (post → answer received, per event) under fan-out.
/// </summary>
internal static class LongPollScenario
{
    private const int DefaultPerUser = 10;

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("Long-poll");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var users = (options.Polls + options.PerUser - 1) / options.PerUser;
        var rates = options.RatesFor("longpoll");
        Console.WriteLine($"== Long-poll: starting ChatMesh, signing in {users} members of the room");
        await using var service = await ServiceUnderTest.StartAsync("legacy", "ChatMesh.Legacy", users, legacy =>
        {
            if (options.PerUser > DefaultPerUser)
            {
                var perUser = options.PerUser.ToString(CultureInfo.InvariantCulture);
                legacy.WithEnvironment("Legacy__MaxQueuesPerUser", perUser).WithEnvironment("Legacy__MaxHeldPollsPerUser", perUser);
            }
        }, cancel.Token);
        var target = service.Target;

        var recorder = new LatencyRecorder();
        var pollers = new LongPoller[options.Polls];
        try
        {
            Console.WriteLine($"   registering {options.Polls} queues ({options.PerUser} per user) and holding a poll on each");
            var (memory, idle) = await service.OpenIdleAsync(pollers, (i, token) => LongPoller.RegisterAsync(service.Http, target.ReceiverToken(i / options.PerUser), recorder, token), options.IdleWindow, cancel.Token);
            var held = LongPoller.Held;
            Console.WriteLine($"   {held} polls held: {FanOut.Kilobytes(memory)} per poll (RSS delta), idle CPU {FanOut.Percent(idle)} of one core over {options.IdleWindow.TotalSeconds:0} s; {LongPoller.Failures} failed polls");

            var send = await target.ConnectSenderAsync(cancel.Token);
            var steps = await FanOut.MeasureAsync(send, recorder, options.Polls, rates, options, cancel.Token);

            report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Polls} held long-polls (`GET /poll/queues/{{id}}/events?timeout=30`, one queue each, {options.PerUser} per user, {users} users) in one room, {options.MessageLength}-character messages posted over a WebSocket, {options.StepDuration.TotalSeconds:0} s per step, idle CPU over {options.IdleWindow.TotalSeconds:0} s, load generator in the same machine. Latency: post → poll answer received, per event.");
            report.Body.AppendLine();
            report.Body.AppendLine("| server | messages/s | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost | memory per held poll | idle CPU (one core) |");
            report.Body.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
            foreach (var step in steps)
            {
                report.Body.AppendLine(CultureInfo.InvariantCulture, $"| ChatMesh (long-poll) | {step.Cells} | {FanOut.Kilobytes(memory)} | {FanOut.Percent(idle)} |");
            }

            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"Polls held at the end of the idle window: {held} of {options.Polls}; failed polls over the run: {LongPoller.Failures}.");
            await report.WriteAsync(options, cancel.Token);
            return 0;
        }
        finally
        {
            await Connections.DisposeAllAsync(pollers);
        }
    }
}
