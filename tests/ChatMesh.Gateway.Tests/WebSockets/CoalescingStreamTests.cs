using ChatMesh.Gateway.WebSockets;

namespace ChatMesh.Gateway.Tests.WebSockets;

/// <summary>
/// The stream under a coalescing connection's WebSocket: writes pass through one by one, except between Defer and
/// FlushDeferredAsync, where they reach the transport as one write, in order; nothing collected is left behind.
/// </summary>
public sealed class CoalescingStreamTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Writes_pass_through_one_by_one_when_not_deferring()
    {
        var transport = new RecordingStream();
        await using var stream = new CoalescingStream(transport, maxDeferredBytes: 1024);

        await stream.WriteAsync("a"u8.ToArray(), Cancel);
        await stream.WriteAsync("bc"u8.ToArray(), Cancel);

        Assert.Equal(["a", "bc"], transport.Writes);
    }

    [Fact]
    public async Task Deferred_writes_reach_the_transport_as_one_write_in_order_at_the_flush()
    {
        var transport = new RecordingStream();
        await using var stream = new CoalescingStream(transport, maxDeferredBytes: 1024);

        stream.Defer();
        await stream.WriteAsync("one,"u8.ToArray(), Cancel);
        await stream.WriteAsync("two,"u8.ToArray(), Cancel);
        await stream.FlushAsync(Cancel);
        Assert.Empty(transport.Writes);
        Assert.True(stream.IsDeferring);

        await stream.WriteAsync("three"u8.ToArray(), Cancel);
        await stream.FlushDeferredAsync(Cancel);

        Assert.Equal(["one,two,three"], transport.Writes);
        Assert.False(stream.IsDeferring);
        await stream.WriteAsync("after"u8.ToArray(), Cancel);
        Assert.Equal(["one,two,three", "after"], transport.Writes);
    }

    [Fact]
    public async Task A_run_larger_than_the_bound_is_reported_full_and_still_written_whole()
    {
        var transport = new RecordingStream();
        await using var stream = new CoalescingStream(transport, maxDeferredBytes: 8);

        stream.Defer();
        await stream.WriteAsync("12345"u8.ToArray(), Cancel);
        Assert.False(stream.IsFull);
        await stream.WriteAsync("6789012345"u8.ToArray(), Cancel);
        Assert.True(stream.IsFull);
        await stream.FlushDeferredAsync(Cancel);

        Assert.Equal(["123456789012345"], transport.Writes);
        Assert.False(stream.IsFull);
    }

    [Fact]
    public async Task A_flush_with_nothing_collected_writes_nothing()
    {
        var transport = new RecordingStream();
        await using var stream = new CoalescingStream(transport, maxDeferredBytes: 1024);

        stream.Defer();
        await stream.FlushDeferredAsync(Cancel);

        Assert.Empty(transport.Writes);
        Assert.False(stream.IsDeferring);
    }

    /// <summary>A transport that records each write it receives, as text.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public List<string> Writes { get; } = [];

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(System.Text.Encoding.UTF8.GetString(buffer.Span));
            return base.WriteAsync(buffer, cancellationToken);
        }
    }
}
