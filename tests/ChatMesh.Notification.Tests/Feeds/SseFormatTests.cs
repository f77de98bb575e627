using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Notification.Feeds;
using ChatMesh.Notification.Sse;
using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Tests.Feeds;

/// <summary>The pre-built SSE frames are byte for byte what <see cref="SseFormatter"/> writes for the same item.</summary>
public sealed class SseFormatTests
{
    private static readonly SseFormat Format = new(Options.Create(new NotificationOptions()));

    public static TheoryData<long, string, string, bool> Items => new()
    {
        { 1234, "message.created", """{"id":1234,"type":"message.created","room":"general","data":{"text":"hé ✓"}}""", false },
        { 0, "presence", """{"type":"presence","user":"bob","status":"online"}""", false },
        { 0, FeedControl.Hello, """{"user":"alice","connectionId":"c1","head":12,"heartbeatMs":15000,"retryMs":3000}""", true },
        { 0, FeedControl.Shutdown, """{"reason":"server_shutdown"}""", true },
        { 0, FeedControl.Subscribed, """{"head":12,"replayed":0}""", true },
        { 7, "message.created", "line one\nline two\r\nline three", false },
    };

    [Theory]
    [MemberData(nameof(Items))]
    public async Task A_frame_is_what_SseFormatter_writes(long id, string type, string data, bool control)
    {
        var item = new FeedItem(id, type, null, Encoding.UTF8.GetBytes(data), control);
        var expected = await FormatterBytesAsync(item, Format.RetryMs);

        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(Format.Build(item)));
    }

    [Fact]
    public void A_heartbeat_is_a_comment()
    {
        var item = new FeedItem(0, FeedControl.Heartbeat, null, ReadOnlyMemory<byte>.Empty, IsControl: true);

        Assert.Equal(": heartbeat\n\n", Encoding.UTF8.GetString(Format.Build(item)));
    }

    private static async Task<byte[]> FormatterBytesAsync(FeedItem item, long retryMs)
    {
        var sse = new SseItem<ReadOnlyMemory<byte>>(item.Json, item.Type);
        if (item.Id > 0)
        {
            sse = sse with { EventId = item.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
        else if (item.Type is FeedControl.Hello or FeedControl.Shutdown)
        {
            sse = sse with { ReconnectionInterval = TimeSpan.FromMilliseconds(retryMs) };
        }

        using var stream = new MemoryStream();
        await SseFormatter.WriteAsync(One(sse), stream, static (i, writer) => writer.Write(i.Data.Span), TestContext.Current.CancellationToken);
        return stream.ToArray();
    }

    private static async IAsyncEnumerable<SseItem<ReadOnlyMemory<byte>>> One(SseItem<ReadOnlyMemory<byte>> item)
    {
        await Task.Yield();
        yield return item;
    }
}
