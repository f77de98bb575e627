using System.Net;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Security;

/// <summary>Limits per source address (section <c>SourceLimits</c>), each per service instance; 0 switches one off.</summary>
public sealed class SourceLimitOptions
{
    public const string SectionName = "SourceLimits";

    /// <summary>The paths whose GET requests are long-lived connections: WebSocket, SSE/NDJSON, held polls.</summary>
    public static readonly IReadOnlyList<string> DefaultConnectionPaths = ["/ws", "/sse", "/stream", "/poll"];

    /// <summary>The edge (services/Web) on the same host; in a deployment, the edge's own addresses.</summary>
    public static readonly IReadOnlyList<string> DefaultTrustedProxies = ["127.0.0.1", "::1"];

    /// <summary>Open connections (GETs on <see cref="ConnectionPaths"/>) from one address at once; one more is 429.</summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary><c>POST /api/auth/sign-in</c> per address per minute (fixed window); more is 429 with Retry-After.</summary>
    public int SignInsPerMinute { get; set; } = 30;

    /// <summary><c>POST /hooks/{token}</c> per address per minute (fixed window); more is 429 with Retry-After.</summary>
    public int HookPostsPerMinute { get; set; } = 1200;

    /// <summary>
    /// Peers whose <c>X-Forwarded-For</c> is believed (its last entry, the address the proxy saw); from anyone else the
    /// header is ignored. Exact IPv4/IPv6 addresses; null means <see cref="DefaultTrustedProxies"/>.
    /// </summary>
    public IReadOnlyList<string>? TrustedProxies { get; set; }

    /// <summary>Loopback sources are not limited: local tools, the benchmark and the tests connect from there.</summary>
    public bool ExemptLoopback { get; set; } = true;

    /// <summary>Null means <see cref="DefaultConnectionPaths"/> (a configured list replaces it).</summary>
    public IReadOnlyList<string>? ConnectionPaths { get; set; }

    public IReadOnlyList<string> EffectiveTrustedProxies => TrustedProxies ?? DefaultTrustedProxies;

    public IReadOnlyList<string> EffectiveConnectionPaths => ConnectionPaths ?? DefaultConnectionPaths;
}

internal sealed class SourceLimitOptionsValidator : IValidateOptions<SourceLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, SourceLimitOptions options)
    {
        var failures = new List<string>();
        var s = SourceLimitOptions.SectionName;
        if (options.MaxConnections < 0)
        {
            failures.Add($"{s}:MaxConnections must be 0 (off) or more, got {options.MaxConnections}.");
        }

        if (options.SignInsPerMinute < 0)
        {
            failures.Add($"{s}:SignInsPerMinute must be 0 (off) or more, got {options.SignInsPerMinute}.");
        }

        if (options.HookPostsPerMinute < 0)
        {
            failures.Add($"{s}:HookPostsPerMinute must be 0 (off) or more, got {options.HookPostsPerMinute}.");
        }

        foreach (var proxy in options.EffectiveTrustedProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
            {
                failures.Add($"{s}:TrustedProxies entries must be IP addresses (the edge's), got '{proxy}'.");
            }
        }

        foreach (var path in options.EffectiveConnectionPaths)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Length == 1)
            {
                failures.Add($"{s}:ConnectionPaths entries must be path prefixes like '/ws' (not '/' alone), got '{path}'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
