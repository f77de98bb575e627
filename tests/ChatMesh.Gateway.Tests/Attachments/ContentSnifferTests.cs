using System.Text;
using ChatMesh.Chat.Attachments;
using ChatMesh.Gateway.Attachments;

namespace ChatMesh.Gateway.Tests.Attachments;

/// <summary>The server decides what a file is from its bytes, never from the name or the client's content type.</summary>
public sealed class ContentSnifferTests
{
    [Fact]
    public void A_png_is_an_image_with_the_size_from_its_header()
    {
        var sniffed = ContentSniffer.Detect(PngHeader(40, 30));
        Assert.Equal(new SniffedContent("image/png", 40, 30), sniffed);
    }

    [Fact]
    public void Gif_jpeg_and_webp_headers_give_their_type_and_size()
    {
        Assert.Equal(new SniffedContent("image/gif", 7, 5), ContentSniffer.Detect([.. "GIF89a"u8, 7, 0, 5, 0, 0, 0, 0]));

        // SOI, an APP0 segment to skip, then SOF0 with height 0x0102 and width 0x0304.
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x02, 0x03, 0x04, 0x03, 0, 0, 0];
        Assert.Equal(new SniffedContent("image/jpeg", 0x0304, 0x0102), ContentSniffer.Detect(jpeg));

        byte[] webp = [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBP"u8, .. "VP8X"u8, 10, 0, 0, 0, 0, 0, 0, 0, 99, 0, 0, 49, 0, 0];
        Assert.Equal(new SniffedContent("image/webp", 100, 50), ContentSniffer.Detect(webp));
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><body>hi</body></html>", "text/html")]
    [InlineData("  \n<html><script>alert(1)</script>", "text/html")]
    [InlineData("<script>fetch('/api/rooms')</script>", "text/html")]
    [InlineData("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "image/svg+xml")]
    [InlineData("<?xml version=\"1.0\"?><note/>", "application/xml")]
    [InlineData("just some notes\nline two\ttabbed", "text/plain")]
    [InlineData("%PDF-1.7\n", "application/pdf")]
    public void Text_and_markup_are_told_apart(string content, string expected) =>
        Assert.Equal(expected, ContentSniffer.Detect(Encoding.UTF8.GetBytes(content)).ContentType);

    [Fact]
    public void Html_labelled_as_a_png_is_still_html()
    {
        // What a spoofed upload holds: the bytes decide, so it can never be served as an image.
        Assert.Equal("text/html", ContentSniffer.Detect("<html><img src=x onerror=alert(1)></html>"u8.ToArray()).ContentType);
    }

    [Fact]
    public void Unknown_binary_is_octet_stream_and_zip_and_gzip_are_recognised()
    {
        Assert.Equal("application/octet-stream", ContentSniffer.Detect([0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0, 0]).ContentType);
        Assert.Equal("application/zip", ContentSniffer.Detect([.. "PK"u8, 3, 4, 20, 0]).ContentType);
        Assert.Equal("application/gzip", ContentSniffer.Detect([0x1F, 0x8B, 8, 0]).ContentType);
    }

    [Fact]
    public void Utf8_text_cut_inside_a_character_at_the_end_of_the_head_is_still_text()
    {
        var text = Encoding.UTF8.GetBytes("héllo wörld €");
        Assert.Equal("text/plain", ContentSniffer.Detect(text.AsSpan(0, text.Length - 1)).ContentType);
    }

    /// <summary>The signature and IHDR chunk of a PNG: what the sniffer reads.</summary>
    internal static byte[] PngHeader(int width, int height)
    {
        byte[] header = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, .. "IHDR"u8, 0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(20), height);
        return header;
    }

    [Fact]
    public void Svg_is_not_shown_inline_only_raster_images_are()
    {
        Assert.DoesNotContain("image/svg+xml", ContentSniffer.InlineTypes);
        Assert.Equal(["image/gif", "image/jpeg", "image/png", "image/webp"], ContentSniffer.InlineTypes.Order());
    }
}
