using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;

namespace ChatMesh.Chat.Messages;

/// <summary>Validation and parsing of what users type: text, mentions, emoji, idempotency keys.</summary>
public static class MessageRules
{
    public const int MaxEmojiLength = 32;
    public const int MaxIdempotencyKeyLength = 128;
    public const int ExcerptLength = 100;

    /// <summary>Trims the text and refuses empty or over-long text.</summary>
    public static string NormalizeText(string? text, int maxLength)
    {
        var trimmed = text?.Trim() ?? "";
        if (trimmed.Length == 0)
        {
            throw new ChatException(ChatError.InvalidArgument, "text must not be empty.");
        }

        if (trimmed.Length > maxLength)
        {
            throw new ChatException(ChatError.TextTooLong, $"text is longer than {maxLength} characters.");
        }

        return trimmed;
    }

    /// <summary>The distinct <c>@name</c> tokens of a text (excluding the author), in order of appearance; Redis keeps those that are members.</summary>
    public static List<string> ParseMentionCandidates(string text, string author, int max)
    {
        List<string> names = [];
        var span = text.AsSpan();
        for (var at = span.IndexOf('@'); at >= 0 && names.Count < max; at = NextAt(span, at))
        {
            // "mail@host" is not a mention: the @ must start a token.
            if (at > 0 && ChatIds.IsUserChar(span[at - 1]))
            {
                continue;
            }

            var end = at + 1;
            while (end < span.Length && ChatIds.IsUserChar(span[end]))
            {
                end++;
            }

            // Sentence punctuation after a name ("hi @bob.") is not part of it.
            var token = span[(at + 1)..end].TrimEnd(".-_");
            if (ChatIds.IsUserId(token) && !token.SequenceEqual(author))
            {
                var name = token.ToString();
                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    /// <summary>The first characters of a message, for notifications.</summary>
    public static string Excerpt(string text) =>
        text.Length <= ExcerptLength ? text
        : char.IsHighSurrogate(text[ExcerptLength - 1]) ? text[..(ExcerptLength - 1)] + "…" : text[..ExcerptLength] + "…";

    public static void RequireEmoji(string? emoji)
    {
        if (string.IsNullOrEmpty(emoji) || emoji.Length > MaxEmojiLength || emoji.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ChatException(ChatError.InvalidArgument, $"emoji must be 1 to {MaxEmojiLength} characters without whitespace.");
        }
    }

    public static void RequireIdempotencyKey(string key)
    {
        if (key.Length is 0 or > MaxIdempotencyKeyLength || key.Any(c => c is < ' ' or > '~'))
        {
            throw new ChatException(ChatError.InvalidArgument, $"idempotency key must be 1 to {MaxIdempotencyKeyLength} printable ASCII characters.");
        }
    }

    private static int NextAt(ReadOnlySpan<char> span, int at)
    {
        var next = span[(at + 1)..].IndexOf('@');
        return next < 0 ? -1 : at + 1 + next;
    }
}
