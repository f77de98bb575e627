using System.Buffers.Binary;

namespace ChatMesh.Gateway.WebSockets;

/// <summary>
/// RFC 6455 framing of the server's text messages, written by the connection itself instead of through
/// <see cref="System.Net.WebSockets.WebSocket.SendAsync(ReadOnlyMemory{byte}, System.Net.WebSockets.WebSocketMessageType, bool, CancellationToken)"/>:
/// a server frame is unmasked and not compressed (chatmesh.v1 negotiates no extension), so one whole text message is a
/// 2-, 4- or 10-byte header (FIN + text opcode, the payload length) followed by the payload — the same bytes for every
/// recipient of an event.
/// </summary>
internal static class WebSocketFraming
{
    /// <summary>The longest header: FIN/opcode, the 127 marker and a 64-bit length.</summary>
    public const int MaxHeaderLength = 10;

    private const byte FinText = 0x81;

    public static int HeaderLength(int payloadLength) => payloadLength <= 125 ? 2 : payloadLength <= ushort.MaxValue ? 4 : 10;

    /// <summary>Writes the header of a whole text message of <paramref name="payloadLength"/> bytes; returns its length.</summary>
    public static int WriteTextHeader(Span<byte> destination, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        destination[0] = FinText;
        if (payloadLength <= 125)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }

        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>Writes the whole text frame of <paramref name="payload"/> (header, then payload); returns its length.</summary>
    public static int WriteText(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        var header = WriteTextHeader(destination, payload.Length);
        payload.CopyTo(destination[header..]);
        return header + payload.Length;
    }

    /// <summary>A new array holding the whole text frame of <paramref name="payload"/> (an event's shared frame).</summary>
    public static byte[] Text(ReadOnlyMemory<byte> payload)
    {
        var frame = new byte[HeaderLength(payload.Length) + payload.Length];
        WriteText(frame, payload.Span);
        return frame;
    }
}
