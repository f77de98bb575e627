using System.Buffers.Binary;
using System.Text;

namespace ChatMesh.Chat.Attachments;

/// <summary>What a file's first bytes say it is, and an image's size when its header gives it.</summary>
public readonly record struct SniffedContent(string ContentType, int? Width, int? Height);

/// <summary>
/// Decides a file's content type from its magic bytes, never from what the client declared: the type is what the download
/// is served as, so a client must not be able to make HTML look like an image. Unknown binary is
/// <c>application/octet-stream</c>; markup (HTML, SVG, XML) is detected as such so it can be refused.
/// </summary>
public static class ContentSniffer
{
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";
    public const string Gif = "image/gif";
    public const string Webp = "image/webp";
    public const string Pdf = "application/pdf";
    public const string Zip = "application/zip";
    public const string Gzip = "application/gzip";
    public const string Text = "text/plain";
    public const string Html = "text/html";
    public const string Svg = "image/svg+xml";
    public const string Xml = "application/xml";
    public const string Binary = "application/octet-stream";

    /// <summary>Every type this sniffer can report (what <c>AllowedContentTypes</c> may name).</summary>
    public static readonly IReadOnlySet<string> KnownTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        Png, Jpeg, Gif, Webp, Pdf, Zip, Gzip, Text, Html, Svg, Xml, Binary,
    };

    /// <summary>The image types a browser may show inline: raster formats without scripts. SVG is not one of them.</summary>
    public static readonly IReadOnlySet<string> InlineTypes = new HashSet<string>(StringComparer.Ordinal) { Png, Jpeg, Gif, Webp };

    private static readonly string[] MarkupStarts =
        ["<!doctype html", "<html", "<head", "<body", "<script", "<iframe", "<meta", "<title", "<style", "<div", "<a ", "<img", "<table", "<p>", "<h1", "<br", "<b>", "<!--"];

    /// <param name="head">The file's first bytes (at least 64 KiB when the file has them).</param>
    public static SniffedContent Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return head.Length >= 24 && head[12..16].SequenceEqual("IHDR"u8)
                ? Image(Png, BinaryPrimitives.ReadInt32BigEndian(head[16..]), BinaryPrimitives.ReadInt32BigEndian(head[20..]))
                : new(Png, null, null);
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return head.Length >= 10
                ? Image(Gif, BinaryPrimitives.ReadUInt16LittleEndian(head[6..]), BinaryPrimitives.ReadUInt16LittleEndian(head[8..]))
                : new(Gif, null, null);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return JpegSize(head);
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return WebpSize(head);
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return new(Pdf, null, null);
        }

        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return new(Zip, null, null);
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
        {
            return new(Gzip, null, null);
        }

        return new(TextType(head), null, null);
    }

    private static string TextType(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            head = head[3..];
        }

        // A UTF-8 sequence cut by the end of the head is not an error: trim up to three bytes of it.
        var check = head;
        for (var i = 0; i < 3 && check.Length > 0 && (check[^1] & 0x80) != 0; i++)
        {
            if (System.Text.Unicode.Utf8.IsValid(check))
            {
                break;
            }

            check = check[..^1];
        }

        if (!System.Text.Unicode.Utf8.IsValid(check))
        {
            return Binary;
        }

        foreach (var b in check)
        {
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C))
            {
                return Binary;
            }
        }

        // Browsers sniff markup anywhere near the start; so does this, case-insensitively, after leading whitespace.
        var text = Encoding.UTF8.GetString(check[..Math.Min(check.Length, 1024)]).TrimStart().ToLowerInvariant();
        if (text.StartsWith("<svg", StringComparison.Ordinal) || text.Contains("<svg", StringComparison.Ordinal))
        {
            return Svg;
        }

        if (MarkupStarts.Any(start => text.StartsWith(start, StringComparison.Ordinal)) || text.Contains("<script", StringComparison.Ordinal)
            || text.Contains("<html", StringComparison.Ordinal))
        {
            return Html;
        }

        return text.StartsWith("<?xml", StringComparison.Ordinal) ? Xml : Text;
    }

    private static SniffedContent JpegSize(ReadOnlySpan<byte> head)
    {
        var at = 2;
        while (at + 9 < head.Length)
        {
            if (head[at] != 0xFF)
            {
                break;
            }

            var marker = head[at + 1];
            if (marker == 0xFF)
            {
                at++;
                continue;
            }

            // SOF0–SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
            if (marker is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC))
            {
                return Image(Jpeg, BinaryPrimitives.ReadUInt16BigEndian(head[(at + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(head[(at + 5)..]));
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                at += 2;
                continue;
            }

            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(head[(at + 2)..]);
        }

        return new(Jpeg, null, null);
    }

    private static SniffedContent WebpSize(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 30 && head[12..16].SequenceEqual("VP8X"u8))
        {
            return Image(Webp, 1 + (head[24] | head[25] << 8 | head[26] << 16), 1 + (head[27] | head[28] << 8 | head[29] << 16));
        }

        if (head.Length >= 30 && head[12..16].SequenceEqual("VP8 "u8))
        {
            return Image(Webp, BinaryPrimitives.ReadUInt16LittleEndian(head[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(head[28..]) & 0x3FFF);
        }

        if (head.Length >= 25 && head[12..16].SequenceEqual("VP8L"u8) && head[20] == 0x2F)
        {
            var bits = BinaryPrimitives.ReadUInt32LittleEndian(head[21..]);
            return Image(Webp, (int)(bits & 0x3FFF) + 1, (int)((bits >> 14) & 0x3FFF) + 1);
        }

        return new(Webp, null, null);
    }

    private static SniffedContent Image(string type, int width, int height) =>
        width > 0 && height > 0 ? new(type, width, height) : new(type, null, null);
}
