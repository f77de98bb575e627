using System.Globalization;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// Many rooms at once (default 200 rooms × 50 members = 10,000 chatmesh.v1 WebSocket receivers, each a member of one
/// room): a few sender sockets of the owner post round-robin into every room, so the outbox batches events of many
/// rooms and the gateway routes each to its room's members only. Latency and deliveries as in the WebSocket table.
/// </summary>
internal static class RoomsScenario
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("Rooms");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(60));
        var receivers = options.Rooms * options.Members;
        var rates = options.RatesFor("rooms");
        await using var target = new ChatMeshTarget();
        Console.WriteLine($"== Rooms: starting ChatMesh, creating {options.Rooms} rooms, signing in {receivers} members ({options.Members} per room)");
        await target.StartAsync(receivers, options.Rooms, cancel.Token);

        var recorder = new LatencyRecorder();
        var sockets = new RawSocket[receivers];
        try
        {
            var before = ProcessMemory.ResidentBytes(target.ServerProcessId);
            Console.WriteLine($"   connecting {receivers} receivers");
            await Connections.OpenAsync(sockets, (i, token) => target.ConnectReceiverAsync(i, recorder, token), cancel.Token);

            await Task.Delay(TimeSpan.FromSeconds(3), cancel.Token);
            var memory = FanOut.Kilobytes((ProcessMemory.ResidentBytes(target.ServerProcessId) - before) / (double)receivers);
            Console.WriteLine($"   {receivers} idle connections: {memory} each (gateway RSS delta)");

            var senders = new Func<string, string, CancellationToken, Task>[options.Senders];
            for (var i = 0; i < senders.Length; i++)
            {
                senders[i] = await target.ConnectRoomSenderAsync(cancel.Token);
            }

            // Message k goes to room k % rooms over sender socket k % senders.
            var next = 0L;
            Task Send(string text, CancellationToken token)
            {
                var k = next++;
                return senders[k % senders.Length](target.Rooms[(int)(k % target.Rooms.Count)], text, token);
            }

            var steps = await FanOut.MeasureAsync(Send, recorder, options.Members, rates, options, cancel.Token);

            report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: {options.Rooms} rooms × {options.Members} members = {receivers:N0} chatmesh.v1 WebSocket receivers (each a member of one room), {options.Senders} sender sockets posting round-robin into every room, {options.MessageLength}-character messages, {options.StepDuration.TotalSeconds:0} s per step, load generator in the same machine. messages/s is the total over all rooms; each message is delivered to the {options.Members} members of its room.");
            report.Body.AppendLine();
            report.Body.AppendLine("| server | messages/s (all rooms) | deliveries/s offered | deliveries/s achieved | p50 ms | p99 ms | p99.9 ms | lost | memory per idle WebSocket |");
            report.Body.AppendLine("|---|---|---|---|---|---|---|---|---|");
            foreach (var step in steps)
            {
                report.Body.AppendLine(CultureInfo.InvariantCulture, $"| ChatMesh ({options.Rooms} rooms × {options.Members}) | {step.Cells} | {memory} |");
            }

            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"ChatMesh: {await target.DescribeAsync(cancel.Token)}.");
            await report.WriteAsync(options, cancel.Token);
            return 0;
        }
        finally
        {
            await Connections.DisposeAllAsync(sockets);
        }
    }
}
