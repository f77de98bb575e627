using ChatMesh.Chat.Attachments;
using ChatMesh.Gateway.Attachments;

namespace ChatMesh.Gateway.Tests.Attachments;

/// <summary>A file name is a label: paths, control and bidi-override characters are removed, never used as a path.</summary>
public sealed class AttachmentNamesTests
{
    [Theory]
    [InlineData("report.pdf", "report.pdf")]
    [InlineData("../../../etc/passwd", "passwd")]
    [InlineData("..\\..\\windows\\system32\\cmd.exe", "cmd.exe")]
    [InlineData("/absolute/path/photo.png", "photo.png")]
    [InlineData("  spaced name.txt  ", "spaced name.txt")]
    [InlineData("evil\u202Egnp.exe", "evilgnp.exe")]
    [InlineData("line\r\nbreak.txt", "linebreak.txt")]
    [InlineData("nul\0byte.txt", "nulbyte.txt")]
    [InlineData("résumé €.docx", "résumé €.docx")]
    public void Names_keep_only_their_last_segment_without_control_characters(string given, string expected) =>
        Assert.Equal(expected, AttachmentNames.Clean(given, 200));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../..")]
    [InlineData("dir/")]
    [InlineData("\u202E\u0007")]
    public void Names_with_nothing_usable_left_are_refused(string given) => Assert.Null(AttachmentNames.Clean(given, 200));

    [Fact]
    public void An_over_long_name_is_cut_keeping_its_extension()
    {
        var cleaned = AttachmentNames.Clean(new string('a', 300) + ".pdf", 20);
        Assert.Equal(new string('a', 16) + ".pdf", cleaned);
    }
}
