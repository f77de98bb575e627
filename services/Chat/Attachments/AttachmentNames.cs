using System.Globalization;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// File names as users see them. A name is only a label (the bytes are stored under their hash), but it is shown and sent
/// back in <c>Content-Disposition</c>, so any path, control or bidirectional-override character is removed.
/// </summary>
public static class AttachmentNames
{
    /// <summary>The cleaned name, or null when nothing usable is left (empty, <c>.</c>, <c>..</c>).</summary>
    public static string? Clean(string? name, int maxLength)
    {
        if (name is null)
        {
            return null;
        }

        // "../../etc/passwd" and "C:\\x\\y.txt" keep only their last segment.
        var last = name.AsSpan()[(name.AsSpan().LastIndexOfAny('/', '\\') + 1)..];
        var kept = new System.Text.StringBuilder(last.Length);
        foreach (var c in last)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator)
            {
                continue;
            }

            kept.Append(c);
        }

        var cleaned = kept.ToString().Trim();
        if (cleaned.Length == 0 || cleaned.All(c => c == '.'))
        {
            return null;
        }

        if (cleaned.Length > maxLength)
        {
            // Keep the extension: "very-long-name….pdf".
            var extension = Path.GetExtension(cleaned);
            extension = extension.Length is > 0 and <= 16 && extension.Length < maxLength ? extension : "";
            var stem = cleaned[..(maxLength - extension.Length)];
            if (stem.Length > 0 && char.IsHighSurrogate(stem[^1]))
            {
                stem = stem[..^1];
            }

            cleaned = stem + extension;
        }

        return cleaned;
    }
}
