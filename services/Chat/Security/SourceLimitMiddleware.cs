using System.Globalization;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Security;

/// <summary>The <c>error</c> codes of the per-source-address refusals.</summary>
public static class SourceLimitErrors
{
    /// <summary>429: this address already holds <c>SourceLimits:MaxConnections</c> connections on this instance.</summary>
    public const string TooManyConnectionsFromAddress = "too_many_connections_from_address";

    /// <summary>429 with Retry-After: this address spent its sign-ins or hook posts for the minute.</summary>
    public const string RateLimited = ApiErrors.RateLimited;
}

/// <summary>
/// Admits or refuses (429 problem) by source address before the endpoint runs: long-lived GETs on the connection paths
/// hold a slot until they end; sign-ins and inbound hook posts take from a per-minute budget. Other requests pass
/// after a path check.
/// </summary>
internal sealed class SourceLimitMiddleware(RequestDelegate next, SourceAddressLimiter limiter, IOptions<SourceLimitOptions> options)
{
    public const string SignInPath = DevSignInEndpoints.GroupPath + "/sign-in";
    public const string HookPath = "/hooks";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var settings = options.Value;
        if (HttpMethods.IsGet(request.Method))
        {
            return settings.MaxConnections > 0 && IsUnder(request.Path, settings.EffectiveConnectionPaths)
                ? AdmitConnectionAsync(context)
                : next(context);
        }

        if (HttpMethods.IsPost(request.Method))
        {
            if (request.Path.Equals(SignInPath, StringComparison.OrdinalIgnoreCase))
            {
                return AdmitRateAsync(context, SourceRate.SignIn);
            }

            if (request.Path.StartsWithSegments(HookPath, StringComparison.OrdinalIgnoreCase))
            {
                return AdmitRateAsync(context, SourceRate.HookPost);
            }
        }

        return next(context);
    }

    private Task AdmitConnectionAsync(HttpContext context)
    {
        if (Source(context) is not { } source)
        {
            return next(context);
        }

        if (limiter.TryOpenConnection(source) is not { } lease)
        {
            return ChatProblemDetails.Create(StatusCodes.Status429TooManyRequests, SourceLimitErrors.TooManyConnectionsFromAddress,
                    $"Your address already holds {options.Value.MaxConnections} connections to this server; close one first.")
                .ExecuteAsync(context);
        }

        context.Response.RegisterForDispose(lease);
        return next(context);
    }

    private Task AdmitRateAsync(HttpContext context, SourceRate rate)
    {
        if (Source(context) is not { } source || limiter.TryTake(rate, source, out var retryAfter))
        {
            return next(context);
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var what = rate == SourceRate.SignIn ? "sign-ins" : "hook posts";
        return ChatProblemDetails.Create(StatusCodes.Status429TooManyRequests, SourceLimitErrors.RateLimited,
                $"Too many {what} from your address this minute; retry in {seconds} s.")
            .ExecuteAsync(context);
    }

    private SourceAddress? Source(HttpContext context) =>
        SourceAddress.Of(context, limiter.TrustedProxies) is { } source && !(source.IsLoopback && options.Value.ExemptLoopback) ? source : null;

    private static bool IsUnder(PathString path, IReadOnlyList<string> prefixes)
    {
        foreach (var prefix in prefixes)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
