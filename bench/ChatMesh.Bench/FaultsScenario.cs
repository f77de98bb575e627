using System.Globalization;
using Aspire.Hosting;
using ChatMesh.Bench.Targets;
using ChatMesh.Testing.Faults;

namespace ChatMesh.Bench;

/// <summary>
/// The longer fault run of issue #14: the end-to-end fault driver (tests/ChatMesh.EndToEnd.Tests/Faults, linked) against
/// the bench's own AppHost with 2 replicas of gateway, notification and legacy, every case of <see cref="FaultCases"/>
/// (or those of <c>--faults</c>) with <c>--fault-seconds</c> of traffic each (a third before the fault, the rest after
/// its repair), one row per case as in docs/reliability.md. Exits non-zero when a row lost, doubled or silently missed
/// a message, left one unacknowledged, or saw a server error (500, <c>internal_error</c>, close 1011).
/// </summary>
internal static class FaultsScenario
{
    private static readonly string[] Services = ["gateway", "notification", "legacy", "integration", "web"];

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var cases = options.Faults is null ? FaultCases.All : [.. options.Faults.Select(FaultCases.Get)];
        var before = options.FaultWindow / 3;
        var after = options.FaultWindow - before;
        var report = ScenarioReport.Begin("Faults");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(20 + (cases.Count * (options.FaultWindow.TotalMinutes + 4))));
        await using var target = new ChatMeshTarget(builder => ChatMeshTarget.Service(builder, "integration")
                // The driver's webhook receiver listens on 127.0.0.2 over plain http; a killed integration's claimed
                // attempts come back after the visibility timeout, and retries come within the run (as in the E2E suite).
                .WithEnvironment("Integration__Ssrf__AllowedRanges__0", $"{WebhookSink.Address}/32")
                .WithEnvironment("Integration__Ssrf__RequireHttps", "false")
                .WithEnvironment("Integration__Delivery__Timeout", "00:00:04")
                .WithEnvironment("Integration__Delivery__VisibilityTimeout", "00:00:20")
                .WithEnvironment("Integration__Delivery__RetrySchedule", "0s,300ms,300ms,300ms,1s,2s,4s,8s,15s,15s,15s,15s,15s,15s"),
            ["--ChatMesh:Gateway:Replicas=2", "--ChatMesh:Notification:Replicas=2", "--ChatMesh:Legacy:Replicas=2"]);
        Console.WriteLine($"== Faults: starting ChatMesh (2 replicas of gateway, notification and legacy); {cases.Count} cases of {options.FaultWindow.TotalSeconds:0} s of traffic each");
        await target.StartAsync(0, cancel.Token);
        foreach (var service in Services)
        {
            await target.App.ResourceNotifications.WaitForResourceHealthyAsync(service, cancel.Token);
        }

        var started = DateTimeOffset.UtcNow;
        var rows = new List<string>();
        var failed = new List<string>();
        foreach (var fault in cases)
        {
            Console.WriteLine($"== Faults: {fault.Id} ({fault.Name})");
            try
            {
                var row = await FaultCases.RunAsync(fault, target.App, Services, before, after, (driver, row) => Console.WriteLine(driver.Describe(row)), cancel.Token);
                rows.Add(row.ToMarkdown());
                if (Problems(row) is { Length: > 0 } problems)
                {
                    failed.Add($"{fault.Id}: {problems}");
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancel.IsCancellationRequested)
            {
                // A case that could not finish (a repair that failed, a drain that timed out) is a failure, not a row.
                Console.WriteLine($"   {fault.Id} failed: {ex}");
                failed.Add($"{fault.Id}: {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
            }
        }

        report.Body.AppendLine(CultureInfo.InvariantCulture, $"Run {started:yyyy-MM-dd HH:mm}–{DateTimeOffset.UtcNow:HH:mm} UTC on {Environment.ProcessorCount} cores: the fault driver of the E2E suite against 2 replicas of gateway, notification and legacy, {options.FaultWindow.TotalSeconds:0} s of traffic per case ({before.TotalSeconds:0.#} s before the fault, {after.TotalSeconds:0.#} s after its repair), then the drain. {cases.Count} cases, {failed.Count} failed.");
        report.Body.AppendLine();
        report.Body.AppendLine(FaultRow.Header);
        foreach (var row in rows)
        {
            report.Body.AppendLine(row);
        }

        foreach (var failure in failed)
        {
            report.Body.AppendLine();
            report.Body.AppendLine(CultureInfo.InvariantCulture, $"**FAILED** {failure}");
        }

        await report.WriteAsync(options, cancel.Token);
        return failed.Count == 0 ? 0 : 1;
    }

    /// <summary>What the row breaks of the guarantees the fault tests assert, or empty.</summary>
    private static string Problems(FaultRow row) => string.Join("; ", new[]
    {
        row.Lost > 0 ? $"{row.Lost} lost" : null,
        row.LiveGaps > 0 ? $"{row.LiveGaps} live gaps" : null,
        row.Duplicated > 0 ? $"{row.Duplicated} duplicated" : null,
        row.Acked < row.Sent ? $"{row.Sent - row.Acked} never acknowledged" : null,
        row.Unanswered > 0 ? $"{row.Unanswered} attempts unanswered in 10 s" : null,
        row.ServerErrors > 0 ? $"{row.ServerErrors} server errors ({row.Answers})" : null,
    }.Where(problem => problem is not null));
}
