namespace ChatMesh.Chat.Identity;

/// <summary>JWT claim names as they appear in tokens (inbound claim mapping is off, so they are not renamed).</summary>
public static class ChatClaimTypes
{
    /// <summary>The user id (<see cref="UserName"/>); also the principal's name claim.</summary>
    public const string Subject = "sub";

    /// <summary>The display name shown next to messages.</summary>
    public const string DisplayName = "name";

    public const string TokenId = "jti";
}
