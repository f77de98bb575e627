using System.Net.WebSockets;
using System.Text;
using ChatMesh.Gateway.WebSockets;

namespace ChatMesh.Gateway.Tests.WebSockets;

/// <summary>
/// The stream under a connection's WebSocket: writes pass through one by one, except between Defer and
/// FlushDeferredAsync, where they reach the transport as one write, in order; nothing collected is left behind. Text
/// frames the connection writes there itself (an event's shared frame, or framed per write) reach a standard client
/// WebSocket as the same whole messages SendAsync would send, at every header size, and the WebSocket's own close
/// frame written after them arrives after them.
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

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    [InlineData(70_000)]
    public async Task Frames_written_directly_reach_a_client_as_whole_text_messages_then_the_close(int length)
    {
        using var sockets = new InMemoryWebSockets(serverToClientBytes: 1 << 20, directWrites: true);
        var shared = Text(length, 'a');
        var framedPerWrite = Text(length, 'b');

        await sockets.Transport!.WriteFrameAsync(WebSocketFraming.Text(shared));
        await sockets.Transport.WriteTextFrameAsync(framedPerWrite);
        // Collected while deferring (header and payload framed into the run), then written out together.
        sockets.Transport.Defer();
        await sockets.Transport.WriteTextFrameAsync(shared);
        await sockets.Transport.WriteFrameAsync(WebSocketFraming.Text(framedPerWrite));
        await sockets.Transport.FlushDeferredAsync(Cancel);
        await sockets.Server.CloseOutputAsync((WebSocketCloseStatus)4000, "slow_consumer", Cancel);

        foreach (var expected in new[] { shared, framedPerWrite, shared, framedPerWrite })
        {
            Assert.Equal(Encoding.UTF8.GetString(expected), await ReceiveText(sockets.Client));
        }

        var close = await sockets.Client.ReceiveAsync(new byte[16], Cancel);
        Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        Assert.Equal((WebSocketCloseStatus)4000, sockets.Client.CloseStatus);
        Assert.Equal("slow_consumer", sockets.Client.CloseStatusDescription);
    }

    private static byte[] Text(int length, char fill) =>
        length == 0 ? [] : Encoding.UTF8.GetBytes("\"" + new string(fill, Math.Max(0, length - 2)) + "\"")[..length];

    /// <summary>One whole text message as the client sees it (reassembled if the client reads it in parts).</summary>
    private static async Task<string> ReceiveText(WebSocket client)
    {
        var buffer = new byte[128 * 1024];
        var count = 0;
        while (true)
        {
            var result = await client.ReceiveAsync(buffer.AsMemory(count), Cancel);
            Assert.Equal(WebSocketMessageType.Text, result.MessageType);
            count += result.Count;
            if (result.EndOfMessage)
            {
                return Encoding.UTF8.GetString(buffer, 0, count);
            }
        }
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
