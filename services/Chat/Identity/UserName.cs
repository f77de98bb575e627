using System.Diagnostics.CodeAnalysis;

namespace ChatMesh.Chat.Identity;

/// <summary>
/// User ids: 1–32 characters matching <c>^[a-z0-9][a-z0-9_.-]{0,31}$</c> — lowercase ASCII letters and digits,
/// then also '_', '.', '-'. Lowercase only so that "Alice" and "alice" can never be two users, and the first
/// character is alphanumeric so ids cannot start like a path ("../x", ".hidden") or a flag ("-x").
/// Input is checked, never normalized: "Alice" is rejected rather than silently becoming "alice".
/// </summary>
public static class UserName
{
    public const int MaxLength = 32;

    /// <summary>The rule as a regular expression, for documentation and clients; <see cref="IsValid"/> does not use it.</summary>
    public const string Pattern = "^[a-z0-9][a-z0-9_.-]{0,31}$";

    /// <summary>Whether <paramref name="value"/> is a valid user id (a plain loop, so a trailing newline cannot slip past '$').</summary>
    public static bool IsValid(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > MaxLength || !IsLowerAlphanumeric(value[0]))
        {
            return false;
        }

        foreach (var c in value[1..])
        {
            if (!IsLowerAlphanumeric(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc cref="IsValid(ReadOnlySpan{char})"/>
    public static bool IsValid([NotNullWhen(true)] string? value) => value is not null && IsValid(value.AsSpan());

    private static bool IsLowerAlphanumeric(char c) => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
}
