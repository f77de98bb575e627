using System.Diagnostics.CodeAnalysis;
using ChatMesh.Chat.EventLog;

namespace ChatMesh.Chat.Rooms;

/// <summary>
/// The shapes of room and user ids. They go into Redis keys and into wire JSON unescaped, so they are
/// restricted to characters that need neither key nor JSON escaping.
/// </summary>
public static class ChatIds
{
    public const string DirectPrefix = "dm:";
    private const int MaxIdLength = 64;

    /// <summary>Room ids: <c>^[a-z0-9][a-z0-9_-]{0,63}$</c>.</summary>
    public static bool IsRoomId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxIdLength || !IsLowerAlnum(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!IsLowerAlnum(c) && c != '_' && c != '-')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>User ids: <c>^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$</c> (mentionable as <c>@id</c>).</summary>
    public static bool IsUserId([NotNullWhen(true)] string? id) => id is not null && IsUserId(id.AsSpan());

    public static bool IsUserId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > MaxIdLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!IsUserChar(c))
            {
                return false;
            }
        }

        return true;
    }

    internal static bool IsUserChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-';

    /// <summary>The id of the direct room of two users: <c>dm:{a}:{b}</c> with the names in ordinal order.</summary>
    public static string DirectRoomId(string a, string b) =>
        string.CompareOrdinal(a, b) < 0 ? $"{DirectPrefix}{a}:{b}" : $"{DirectPrefix}{b}:{a}";

    /// <summary>Parses a direct room id into its two members; false unless it is exactly the canonical form.</summary>
    public static bool TryParseDirect(string room, out string a, out string b)
    {
        a = b = "";
        if (!room.StartsWith(DirectPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = room.AsSpan(DirectPrefix.Length);
        var colon = rest.IndexOf(':');
        if (colon < 0 || !IsUserId(rest[..colon]) || !IsUserId(rest[(colon + 1)..]))
        {
            return false;
        }

        a = rest[..colon].ToString();
        b = rest[(colon + 1)..].ToString();
        return string.CompareOrdinal(a, b) < 0;
    }

    internal static void RequireUser(string? user, string what)
    {
        if (!IsUserId(user))
        {
            throw new ChatException(ChatError.InvalidArgument, $"{what} must match ^[A-Za-z0-9][A-Za-z0-9._-]{{0,63}}$.");
        }
    }

    /// <summary>A room id or a canonical direct room id; anything else is refused before Redis is asked.</summary>
    internal static void RequireRoom(string? room)
    {
        if (room is null || !(IsRoomId(room) || TryParseDirect(room, out _, out _)))
        {
            throw new ChatException(ChatError.InvalidArgument, "room must match ^[a-z0-9][a-z0-9_-]{0,63}$ or be a dm:{a}:{b} id.");
        }
    }

    private static bool IsLowerAlnum(char c) => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c);
}
