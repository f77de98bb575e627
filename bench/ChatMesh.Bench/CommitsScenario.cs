using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using ChatMesh.Bench.Targets;

namespace ChatMesh.Bench;

/// <summary>
/// The write ceiling of one deployment (issue #15's capacity model): closed-loop senders — each chatmesh.v1 socket of
/// the room's owner sends its next message as soon as the previous one is acknowledged (durable in Redis) — at
/// increasing concurrency, with no receivers, so the figure is what the commit path sustains (gateway frame handling,
/// the Redis commit script, the outbox publish, RabbitMQ) and which process saturates first. Each step reports acks/s,
/// the send → ack latency and the CPU each process used during the step (% of one core). Two passes: every sender
/// into one room (one room's ceiling), then each sender into its own room (the deployment's).
/// </summary>
internal static class CommitsScenario
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var report = ScenarioReport.Begin("Commits");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await using var target = new ChatMeshTarget();
        var levels = options.Concurrency;
        Console.WriteLine($"== Commits: starting ChatMesh ({levels.Max()} rooms, their owner the only sender)");
        await target.StartAsync(receivers: 1, rooms: levels.Max(), cancel.Token);
        var cpu = target.CpuWatch();

        var senders = new AckedSender[levels.Max()];
        try
        {
            for (var i = 0; i < senders.Length; i++)
            {
                senders[i] = await AckedSender.ConnectAsync(target, i, options.MessageLength, cancel.Token);
            }

            Console.WriteLine($"   warm-up: {options.Warmup.TotalSeconds:0} s at {senders.Length} senders");
            await RunStepAsync(senders, i => target.Rooms[i % target.Rooms.Count], options.Warmup, new LatencyRecorder(), cancel.Token);

            report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores: closed-loop senders (each of the room owner's chatmesh.v1 sockets sends its next `send` as soon as the previous one's `ack` arrives: durable in Redis), {options.MessageLength}-character messages, no receivers, {options.StepDuration.TotalSeconds:0} s per step, load generator in the same machine. CPU: each process's CPU time during the step, in % of one core ({Environment.ProcessorCount} cores = {Environment.ProcessorCount * 100} %).");
            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"| rooms | concurrent senders | acks/s | send → ack p50 ms | p99 ms | p99.9 ms | errors | {string.Join(" | ", cpu.Processes.Select(process => $"{process.Name} CPU"))} |");
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"|---|---|---|---|---|---|---|{string.Concat(cpu.Processes.Select(_ => "---|"))}");
            foreach (var (level, ownRooms) in levels.Select(level => (level, false)).Concat(levels.Where(level => level > 1).Select(level => (level, true))))
            {
                var recorder = new LatencyRecorder();
                cpu.Start();
                var errorsBefore = senders.Sum(sender => sender.Errors);
                var started = Stopwatch.GetTimestamp();
                var acked = await RunStepAsync(senders[..level], i => ownRooms ? target.Rooms[i] : target.Rooms[0], options.StepDuration, recorder, cancel.Token);
                var elapsed = Stopwatch.GetElapsedTime(started);
                var used = cpu.Stop();
                var line = string.Create(CultureInfo.InvariantCulture, $"| {(ownRooms ? $"{level} (one per sender)" : "1")} | {level} | {acked / elapsed.TotalSeconds:N0} | {recorder.Percentile(0.50):0.0} | {recorder.Percentile(0.99):0.0} | {recorder.Percentile(0.999):0.0} | {senders.Sum(sender => sender.Errors) - errorsBefore} | {string.Join(" | ", used.Select(CpuWatch.Format))} |");
                Console.WriteLine($"   {line}");
                report.Body.AppendLine(line);
            }

            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"ChatMesh: {await target.DescribeAsync(cancel.Token)}.");
            await report.WriteAsync(options, cancel.Token);
            return 0;
        }
        finally
        {
            foreach (var sender in senders.Where(sender => sender is not null))
            {
                await sender.DisposeAsync();
            }
        }
    }

    /// <summary>Every sender in a closed loop for <paramref name="duration"/>; the acks received in it.</summary>
    private static async Task<long> RunStepAsync(AckedSender[] senders, Func<int, string> room, TimeSpan duration, LatencyRecorder recorder, CancellationToken cancellationToken)
    {
        using var step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        step.CancelAfter(duration);
        var counts = await Task.WhenAll(senders.Select((sender, i) => sender.LoopAsync(room(i), recorder, step.Token)));
        return counts.Sum();
    }

    /// <summary>One owner socket that sends a message and waits for its <c>ack</c> (matched by <c>ref</c>) before the next.</summary>
    private sealed class AckedSender : IAsyncDisposable
    {
        private static readonly byte[] AckMarker = "\"type\":\"ack\""u8.ToArray();
        private static readonly byte[] ErrorMarker = "\"type\":\"error\""u8.ToArray();
        private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _pending = new();
        private readonly RawSocket _socket;
        private readonly string _name;
        private readonly string _text;
        private long _next;
        private long _errors;

        private AckedSender(RawSocket socket, int index, int messageLength)
        {
            _socket = socket;
            _name = $"c{index}-";
            _text = new string('x', messageLength);
            socket.StartReceiving(OnMessage);
        }

        public static async Task<AckedSender> ConnectAsync(ChatMeshTarget target, int index, int messageLength, CancellationToken cancellationToken) =>
            new(await target.ConnectOwnerSocketAsync(cancellationToken), index, messageLength);

        /// <summary><c>error</c> answers (each counts as a send that was not acknowledged).</summary>
        public long Errors => Interlocked.Read(ref _errors);

        public async Task<long> LoopAsync(string room, LatencyRecorder recorder, CancellationToken cancellationToken)
        {
            var acked = 0L;
            while (!cancellationToken.IsCancellationRequested)
            {
                var reference = _name + (_next++).ToString(CultureInfo.InvariantCulture);
                var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending[reference] = done;
                var started = Stopwatch.GetTimestamp();
                await _socket.SendAsync($$"""{"type":"send","ref":"{{reference}}","room":"{{room}}","text":"{{_text}}","key":"{{reference}}-{{Guid.NewGuid():N}}"}""", CancellationToken.None);
                bool ok;
                try
                {
                    // A step's end does not abandon a send in flight: its answer is awaited (bounded) so the next step starts clean.
                    ok = await done.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
                }
                finally
                {
                    _pending.TryRemove(reference, out _);
                }

                if (ok)
                {
                    recorder.Record(started, Stopwatch.GetTimestamp());
                    acked++;
                }
                else
                {
                    Interlocked.Increment(ref _errors);
                }
            }

            return acked;
        }

        private void OnMessage(ReadOnlyMemory<byte> message)
        {
            var span = message.Span;
            var isAck = span.IndexOf(AckMarker) >= 0;
            if (!isAck && span.IndexOf(ErrorMarker) < 0)
            {
                return;
            }

            // "ref":"c3-17": the sender's own references only (no escaping needed).
            var at = span.IndexOf("\"ref\":\""u8);
            if (at < 0)
            {
                return;
            }

            var rest = span[(at + 7)..];
            var end = rest.IndexOf((byte)'"');
            if (end > 0 && _pending.TryGetValue(Encoding.UTF8.GetString(rest[..end]), out var done))
            {
                done.TrySetResult(isAck);
            }
        }

        public ValueTask DisposeAsync() => _socket.DisposeAsync();
    }
}
