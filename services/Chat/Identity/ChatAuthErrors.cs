namespace ChatMesh.Chat.Identity;

/// <summary>The <c>error</c> extension of auth problem details: a stable code clients can switch on.</summary>
public static class ChatAuthErrors
{
    /// <summary>401: no token in the header, the cookie, or (on the allowed paths) the query.</summary>
    public const string TokenMissing = "token_missing";

    /// <summary>401: a token that fails validation (signature, issuer, audience, format, not yet valid).</summary>
    public const string TokenInvalid = "token_invalid";

    /// <summary>401: a well-signed token past its expiry (plus clock skew); the client should sign in again.</summary>
    public const string TokenExpired = "token_expired";

    /// <summary>401: a well-signed, unexpired token that was revoked by a sign-out; the client should sign in again.</summary>
    public const string TokenRevoked = "token_revoked";

    /// <summary>503 from sign-out: the revocation could not be stored (Redis unavailable); the token still works, retry.</summary>
    public const string RevocationUnavailable = "revocation_unavailable";

    /// <summary>401: an <c>access_token</c> query parameter on a path outside <c>Auth:QueryTokenPaths</c>.</summary>
    public const string TokenQueryNotAllowed = "token_query_not_allowed";

    /// <summary>403: authenticated, but the endpoint's policy refuses this user.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>400 from dev sign-in: the user name breaks <see cref="UserName.Pattern"/>.</summary>
    public const string UserNameInvalid = "user_name_invalid";

    /// <summary>400 from dev sign-in: the display name is longer than 64 characters after trimming, or holds control characters.</summary>
    public const string DisplayNameInvalid = "display_name_invalid";
}
