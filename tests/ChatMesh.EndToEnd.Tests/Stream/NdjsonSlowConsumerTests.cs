using ChatMesh.EndToEnd.Tests.Sse;

namespace ChatMesh.EndToEnd.Tests.Stream;

/// <summary>
/// <c>/stream</c> (NDJSON) under a burst larger than its queue, as <c>/sse</c>: a reading client keeps its stream and
/// gets every event once, in order; one that reads nothing gets the <c>slow_consumer</c> line and resumes with
/// <c>after</c> without loss or duplicate (<see cref="SlowConsumerScenario"/>).
/// </summary>
public sealed class NdjsonSlowConsumerTests(ChatMeshAppFixture fixture)
{
    private readonly SlowConsumerScenario _scenario = new(fixture, StreamFormat.Ndjson);

    [Fact]
    public Task A_client_that_reads_nothing_is_cut_after_the_timeout_and_resumes_without_loss_or_duplicate() =>
        _scenario.A_client_that_reads_nothing_is_cut_after_the_timeout_and_resumes_without_loss_or_duplicate();

    [Fact]
    public Task A_client_that_reads_through_a_burst_larger_than_the_queue_gets_every_event_once_in_order_and_keeps_its_stream() =>
        _scenario.A_client_that_reads_through_a_burst_larger_than_the_queue_gets_every_event_once_in_order_and_keeps_its_stream();
}
