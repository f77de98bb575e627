using System.Diagnostics;
using ChatMesh.Legacy.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;

namespace ChatMesh.Legacy.Tests.Hosting;

/// <summary>Which requests keep their HTTP request span (Legacy:PollSpanRatio): polls are sampled, nothing else is.</summary>
public sealed class PollSpanSamplingTests
{
    private const string PollPath = "/poll/queues/q123/events";

    [Fact]
    public void At_ratio_zero_a_poll_is_not_recorded_but_every_other_poll_route_is()
    {
        Assert.False(Record("GET", PollPath, ratio: 0));
        Assert.True(Record("POST", "/poll/queues", ratio: 0));
        Assert.True(Record("DELETE", "/poll/queues/q123", ratio: 0));
        Assert.True(Record("POST", "/poll/queues/q123/events", ratio: 0));
        Assert.True(Record("POST", "/poll/send", ratio: 0));
        Assert.True(Record("GET", "/poll/queues/q123/events/more", ratio: 0));
    }

    [Fact]
    public void At_ratio_one_every_poll_is_recorded() =>
        Assert.All(Enumerable.Range(0, 100), _ => Assert.True(Record("GET", PollPath, ratio: 1)));

    [Fact]
    public void A_ratio_records_about_that_share_of_polls()
    {
        var random = new Random(13);
        var recorded = Enumerable.Range(0, 10_000).Count(_ => PollSpanSampling.Record("GET", PollPath, null, 0.1, random));

        // Seeded: the same count every run; about a tenth of the polls.
        Assert.InRange(recorded, 900, 1100);
    }

    [Fact]
    public void A_poll_whose_client_sent_a_sampled_traceparent_is_recorded_at_ratio_zero()
    {
        // As ASP.NET Core starts the request's activity from the client's traceparent, under a parent-based sampler.
        using var source = new ActivitySource("PollSpanSamplingTests");
        using var listener = new ActivityListener
        {
            ShouldListenTo = candidate => candidate == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(listener);

        using (var sampled = source.StartActivity("GET", ActivityKind.Server, Client(ActivityTraceFlags.Recorded)))
        {
            Assert.True(PollSpanSampling.Record("GET", PollPath, sampled, 0, Random.Shared));
        }

        using (var unsampled = source.StartActivity("GET", ActivityKind.Server, Client(ActivityTraceFlags.None)))
        {
            Assert.NotNull(unsampled);
            Assert.False(PollSpanSampling.Record("GET", PollPath, unsampled, 0, Random.Shared));
        }

        // A local parent (no traceparent from the client) is not the client asking.
        using var root = source.StartActivity("root");
        using var local = source.StartActivity("GET", ActivityKind.Server);
        Assert.False(PollSpanSampling.Record("GET", PollPath, local, 0, Random.Shared));
    }

    private static ActivityContext Client(ActivityTraceFlags flags) =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags, isRemote: true);

    [Fact]
    public void The_service_defaults_filter_is_kept_and_the_poll_sampling_added_to_it()
    {
        var filter = Filter(ratio: 0);

        Assert.False(filter(Context("GET", PollPath)));
        // The service defaults leave health probes out; still so.
        Assert.False(filter(Context("GET", "/health")));
        Assert.True(filter(Context("POST", "/poll/queues")));
        Assert.True(filter(Context("GET", "/poll/queues/q123")));
    }

    [Fact]
    public void At_ratio_one_the_filter_is_the_service_defaults_own()
    {
        var filter = Filter(ratio: 1);

        Assert.True(filter(Context("GET", PollPath)));
        Assert.False(filter(Context("GET", "/health")));
    }

    private static bool Record(string method, string path, double ratio) =>
        PollSpanSampling.Record(method, path, null, ratio, Random.Shared);

    private static Func<HttpContext, bool> Filter(double ratio)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.ConfigureOpenTelemetry();
        builder.Services.Configure<LegacyOptions>(options => options.PollSpanRatio = ratio);
        builder.Services.AddPollSpanSampling();
        using var provider = builder.Services.BuildServiceProvider();
        var tracing = provider.GetRequiredService<IOptionsMonitor<AspNetCoreTraceInstrumentationOptions>>().Get(Options.DefaultName);
        return tracing.Filter ?? throw new InvalidOperationException("No tracing filter.");
    }

    private static DefaultHttpContext Context(string method, string path)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        return context;
    }
}
