using ChatMesh.Chat.EventLog;

namespace ChatMesh.Chat.Attachments;

/// <summary>Validation of the attachment ids a message references.</summary>
public static class AttachmentRules
{
    /// <summary>The distinct ids, in order; refuses more than <paramref name="max"/> or a malformed id.</summary>
    public static string[] RequireIds(IReadOnlyList<string>? ids, int max)
    {
        if (ids is null || ids.Count == 0)
        {
            return [];
        }

        if (ids.Count > max)
        {
            throw new ChatException(ChatError.TooManyAttachments, $"A message may reference at most {max} attachments, got {ids.Count}.");
        }

        foreach (var id in ids)
        {
            if (!AttachmentIds.IsValid(id))
            {
                throw new ChatException(ChatError.AttachmentNotFound, $"'{Shorten(id)}' is not an attachment id.");
            }
        }

        return [.. ids.Distinct(StringComparer.Ordinal)];
    }

    private static string Shorten(string? id) => id is null ? "null" : id.Length <= 40 ? id : id[..40] + "…";
}
