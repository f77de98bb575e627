namespace ChatMesh.Chat.Identity;

/// <summary>How every ChatMesh service authenticates users; bound from the <c>Auth</c> configuration section.</summary>
public sealed class ChatAuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>HS256 needs a key at least as long as its 256-bit output.</summary>
    public const int MinSigningKeyBytes = 32;

    public const string DefaultIssuer = "chatmesh";
    public const string DefaultAudience = "chatmesh";
    public const string DefaultCookieName = "chatmesh_token";
    public static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromHours(8);
    public static readonly TimeSpan DefaultClockSkew = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultRevocationSyncInterval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan MaxRevocationSyncInterval = TimeSpan.FromMinutes(5);

    /// <summary>Browsers cannot set headers on WebSocket or EventSource requests, so only these paths take a query token.</summary>
    public static readonly IReadOnlyList<string> DefaultQueryTokenPaths = ["/ws", "/sse", "/stream", "/poll"];

    /// <summary>Symmetric HS256 key (UTF-8, at least 32 bytes); the AppHost passes it as <c>Auth__SigningKey</c>.</summary>
    public string? SigningKey { get; set; }

    public string Issuer { get; set; } = DefaultIssuer;

    public string Audience { get; set; } = DefaultAudience;

    public TimeSpan TokenLifetime { get; set; } = DefaultTokenLifetime;

    public TimeSpan ClockSkew { get; set; } = DefaultClockSkew;

    /// <summary>OpenID Connect authority for production; when set, keys and issuer come from its metadata instead of <see cref="SigningKey"/>.</summary>
    public string? Authority { get; set; }

    public DevSignInOptions DevSignIn { get; set; } = new();

    /// <summary>
    /// How often each instance re-reads the revoked-token list from Redis: the bound on how long a revocation whose
    /// pub/sub notice was lost (a Redis reconnect) can go unseen here. Notices normally arrive within milliseconds.
    /// </summary>
    public TimeSpan RevocationSyncInterval { get; set; } = DefaultRevocationSyncInterval;

    /// <summary>Cookie that carries the token for browsers (set by dev sign-in, read by every service).</summary>
    public string CookieName { get; set; } = DefaultCookieName;

    /// <summary>
    /// Path prefixes (whole segments) where an <c>access_token</c> query parameter is accepted; null means
    /// <see cref="DefaultQueryTokenPaths"/>. Null rather than a preset list because the configuration binder
    /// appends to an existing list instead of replacing it.
    /// </summary>
    public IReadOnlyList<string>? QueryTokenPaths { get; set; }

    /// <summary>True when an external authority issues tokens rather than our own key.</summary>
    public bool UsesAuthority => !string.IsNullOrWhiteSpace(Authority);

    /// <summary>Dev sign-in is off unless <c>Auth:DevSignIn:Enabled</c> is explicitly true.</summary>
    public bool IsDevSignInEnabled => DevSignIn.Enabled;

    public IReadOnlyList<string> EffectiveQueryTokenPaths => QueryTokenPaths ?? DefaultQueryTokenPaths;
}

/// <summary>The development sign-in endpoint (<c>Auth:DevSignIn</c>): anyone may sign in as anyone, so never in production.</summary>
public sealed class DevSignInOptions
{
    /// <summary>Off unless explicitly true; the AppHost turns it on for development runs and tests.</summary>
    public bool Enabled { get; set; }

    /// <summary>The second switch: without it, dev sign-in in the Production environment stops the service at start.</summary>
    public bool AllowInProduction { get; set; }
}
