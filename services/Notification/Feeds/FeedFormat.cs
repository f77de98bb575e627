using System.Buffers;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// How a channel frames its items (<c>/sse</c>: <c>event:</c>/<c>data:</c>/<c>id:</c> lines and a blank line;
/// <c>/stream</c>: a JSON line). Events and signals, which go to many streams, are framed once per instance into
/// <see cref="FrameCache"/> and the same bytes are written to every stream; a stream's own items are framed straight
/// into its response.
/// </summary>
internal abstract class FeedFormat
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_scratch;

    private readonly FrameCache _frames = new();

    /// <summary>Writes <paramref name="item"/>'s frame to <paramref name="writer"/>; returns its length in bytes.</summary>
    public int Write(IBufferWriter<byte> writer, in FeedItem item)
    {
        if (item.IsControl)
        {
            return WriteFrame(writer, item);
        }

        var frame = _frames.GetOrAdd(item, this);
        writer.Write(frame);
        return frame.Length;
    }

    /// <summary>The frame of <paramref name="item"/> as a new array (what the cache keeps).</summary>
    internal byte[] Build(in FeedItem item)
    {
        var scratch = t_scratch ??= new ArrayBufferWriter<byte>(512);
        scratch.ResetWrittenCount();
        WriteFrame(scratch, item);
        var frame = scratch.WrittenSpan.ToArray();
        if (scratch.Capacity > 64 * 1024)
        {
            // One large event must not keep a large scratch buffer on this thread.
            t_scratch = null;
        }

        return frame;
    }

    /// <summary>Frames <paramref name="item"/> into <paramref name="writer"/>; returns the bytes written.</summary>
    protected abstract int WriteFrame(IBufferWriter<byte> writer, in FeedItem item);
}
