using System.Diagnostics;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>An answer from the log keeps its <c>longpoll deliver</c> span whether or not its poll's request span was sampled.</summary>
public sealed class PollTelemetryTests : IDisposable
{
    private readonly ActivitySource _server = new("PollTelemetryTests.Server");
    private readonly ActivityListener _listener;

    public PollTelemetryTests()
    {
        // A parent-based sampler, as the service defaults' OpenTelemetry SDK: a root is recorded, a child follows its parent.
        _listener = new ActivityListener
        {
            // By name: the chat's source may be created by this very test (its type initialised during the call).
            ShouldListenTo = source => source == _server || source.Name == ChatTelemetry.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent == default || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public void A_replay_answer_of_a_recorded_poll_is_a_child_of_its_request_span()
    {
        using var request = _server.StartActivity("GET", ActivityKind.Server)!;

        using var deliver = PollTelemetry.StartDelivery(Replay());

        Assert.NotNull(deliver);
        Assert.True(deliver.Recorded);
        Assert.Equal(request.TraceId, deliver.TraceId);
        Assert.Equal(request.SpanId, deliver.ParentSpanId);
        Assert.Equal("7", deliver.GetTagItem("chatmesh.event_ids"));
    }

    [Fact]
    public void A_replay_answer_of_an_unsampled_poll_is_recorded_in_a_trace_of_its_own_linked_to_the_request()
    {
        using var request = UnsampledRequest();

        using var deliver = PollTelemetry.StartDelivery(Replay());

        Assert.NotNull(deliver);
        Assert.True(deliver.Recorded);
        Assert.NotEqual(request.TraceId, deliver.TraceId);
        Assert.Equal(default, deliver.ParentSpanId);
        Assert.Equal(request.Context, Assert.Single(deliver.Links).Context);
        Assert.Equal("replay", deliver.GetTagItem("chatmesh.longpoll.source"));
    }

    [Fact]
    public void A_live_answer_continues_the_dispatch_span_whatever_its_request_was()
    {
        using var request = UnsampledRequest();
        var dispatch = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);

        using var deliver = PollTelemetry.StartDelivery(Replay() with { Source = PollSource.Live, Trace = dispatch });

        Assert.NotNull(deliver);
        Assert.Equal(dispatch.TraceId, deliver.TraceId);
        Assert.Equal(dispatch.SpanId, deliver.ParentSpanId);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _server.Dispose();
    }

    /// <summary>A poll's request span as the tracing filter leaves one it does not sample (Legacy:PollSpanRatio).</summary>
    private Activity UnsampledRequest()
    {
        var request = _server.StartActivity("GET", ActivityKind.Server)!;
        request.IsAllDataRequested = false;
        request.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
        return request;
    }

    private static PollBatch Replay() =>
        new([new StoredEvent(7, "message.created", "general", "bob", "{}"u8.ToArray())], 7, Heartbeat: false, Reset: false, 7) { Source = PollSource.Replay };
}
