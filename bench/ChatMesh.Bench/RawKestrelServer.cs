using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;

namespace ChatMesh.Bench;

/// <summary>
/// The practical limit the design's reference figures describe: a minimal Kestrel WebSocket broadcast. A client of
/// <c>/rooms/{room}?join=1</c> is a member of the room; a text frame from any client of <c>/rooms/{room}</c> is
/// serialized once into a <c>{"type":"message","room":…,"text":…}</c> frame and the same bytes are queued to every
/// member's bounded queue, drained by one writer loop per socket. A member whose queue is full is cut off.
/// </summary>
internal static class RawKestrelServer
{
    /// <summary>Frames queued per socket before it counts as a slow consumer (as the gateway's default).</summary>
    private const int QueueCapacity = 1024;

    private const int MaxMessageBytes = 64 * 1024;

    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseWebSockets();
        var rooms = new ConcurrentDictionary<string, Room>(StringComparer.Ordinal);
        app.Map("/rooms/{room}", async (string room, HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var group = rooms.GetOrAdd(room, static name => new Room(name));
            var member = new Member(socket);
            var joined = context.Request.Query.ContainsKey("join");
            if (joined)
            {
                group.Add(member);
            }

            try
            {
                await member.RunAsync(group);
            }
            finally
            {
                if (joined)
                {
                    group.Remove(member);
                }
            }
        });
        await app.RunAsync();
    }

    /// <summary>A room's members as a copy-on-write array: a broadcast reads it without a lock.</summary>
    private sealed class Room(string name)
    {
        private readonly Lock _gate = new();
        private Member[] _members = [];

        public string Name => name;

        public void Add(Member member)
        {
            lock (_gate)
            {
                _members = [.. _members, member];
            }
        }

        public void Remove(Member member)
        {
            lock (_gate)
            {
                _members = [.. _members.Where(other => other != member)];
            }
        }

        public void Broadcast(byte[] frame)
        {
            foreach (var member in Volatile.Read(ref _members))
            {
                member.Enqueue(frame);
            }
        }
    }

    private sealed class Member(WebSocket socket)
    {
        private readonly Channel<byte[]> _queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
        });

        public void Enqueue(byte[] frame)
        {
            if (!_queue.Writer.TryWrite(frame))
            {
                // A slow consumer never slows the room: it is dropped.
                _queue.Writer.TryComplete();
                socket.Abort();
            }
        }

        public async Task RunAsync(Room room)
        {
            var writing = WriteAsync();
            try
            {
                await ReceiveAsync(room);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away.
            }
            finally
            {
                _queue.Writer.TryComplete();
                socket.Abort();
                await writing;
            }
        }

        private async Task ReceiveAsync(Room room)
        {
            var output = new ArrayBufferWriter<byte>(256);
            using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            while (socket.State == WebSocketState.Open)
            {
                // A zero-byte read: an idle socket holds no receive buffer.
                var peek = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(4096);
                try
                {
                    var count = 0;
                    var result = peek;
                    while (!result.EndOfMessage)
                    {
                        if (count == buffer.Length)
                        {
                            if (count >= MaxMessageBytes)
                            {
                                return;
                            }

                            var larger = ArrayPool<byte>.Shared.Rent(count * 2);
                            buffer.AsSpan(0, count).CopyTo(larger);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = larger;
                        }

                        result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        count += result.Count;
                    }

                    if (result.MessageType == WebSocketMessageType.Text && count > 0)
                    {
                        // Serialized once per message; every member gets the same bytes.
                        output.ResetWrittenCount();
                        json.Reset();
                        json.WriteStartObject();
                        json.WriteString("type"u8, "message"u8);
                        json.WriteString("room"u8, room.Name);
                        json.WriteString("text"u8, buffer.AsSpan(0, count));
                        json.WriteEndObject();
                        json.Flush();
                        room.Broadcast(output.WrittenSpan.ToArray());
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }

        private async Task WriteAsync()
        {
            var reader = _queue.Reader;
            try
            {
                while (await reader.WaitToReadAsync())
                {
                    while (reader.TryRead(out var frame))
                    {
                        await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Aborted (slow consumer, or the client went away).
            }
        }
    }
}
