using System.Buffers;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Notification.Feeds;

namespace ChatMesh.Notification.Stream;

/// <summary>
/// The <c>application/x-ndjson</c> line of an item: its JSON (an event's stored wire JSON byte for byte; the stream's
/// own items carry their <c>type</c>) and a newline. JSON written by <c>Utf8JsonWriter</c> never holds a raw newline.
/// </summary>
internal sealed class NdjsonFormat : FeedFormat
{
    protected override int WriteFrame(IBufferWriter<byte> writer, in FeedItem item)
    {
        writer.Write(item.Json.Span);
        writer.Write("\n"u8);
        return item.Json.Length + 1;
    }
}
