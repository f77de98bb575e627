namespace ChatMesh.Chat.LiveEvents;

/// <summary>
/// The wire encodings of one live event, shared by every recipient of its dispatch: the first writer that needs a
/// channel's framing builds it from the event's JSON, every later writer of that channel writes the same bytes. One
/// object per dispatched event (not per recipient); events replayed from the log carry none and are framed per write.
/// </summary>
public sealed class EncodedFrames
{
    private byte[]? _webSocketText;

    /// <summary>
    /// The event as one WebSocket text frame (header and payload), built by <paramref name="encode"/> on first use.
    /// Writers racing on the first use may each build it; one result is kept and returned to all later callers.
    /// </summary>
    public byte[] WebSocketText(ReadOnlyMemory<byte> json, Func<ReadOnlyMemory<byte>, byte[]> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        if (Volatile.Read(ref _webSocketText) is { } frame)
        {
            return frame;
        }

        frame = encode(json);
        return Interlocked.CompareExchange(ref _webSocketText, frame, null) ?? frame;
    }
}
