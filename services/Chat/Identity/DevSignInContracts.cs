namespace ChatMesh.Chat.Identity;

/// <summary>Body of <c>POST /api/auth/sign-in</c>; <see cref="DisplayName"/> defaults to the user name.</summary>
public sealed record SignInRequest(string? UserName, string? DisplayName);

/// <summary>Answer to a sign-in: the token (also set as the cookie) and who it is for.</summary>
public sealed record SignInResponse(string Token, DateTimeOffset ExpiresAt, string UserId, string DisplayName);

/// <summary>Answer of <c>GET /api/auth/me</c>.</summary>
public sealed record MeResponse(string UserId, string DisplayName);
