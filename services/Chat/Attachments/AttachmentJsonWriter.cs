using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ChatMesh.Chat.Attachments;

/// <summary>Writes an attachment as the events carry it: <c>{"id","name","size","contentType"[,"width","height"]}</c>.</summary>
internal static class AttachmentJsonWriter
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Write(MessageAttachment attachment)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString("id"u8, attachment.Id);
            w.WriteString("name"u8, attachment.Name);
            w.WriteNumber("size"u8, attachment.Size);
            w.WriteString("contentType"u8, attachment.ContentType);
            if (attachment is { Width: { } width, Height: { } height })
            {
                w.WriteNumber("width"u8, width);
                w.WriteNumber("height"u8, height);
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
