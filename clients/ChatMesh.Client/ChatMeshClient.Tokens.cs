using System.Text.Json;
using ChatMesh.Client.Channels;

namespace ChatMesh.Client;

/// <summary>Token refresh: <see cref="ChatMeshClientOptions.TokenProvider"/> is asked for a fresh token before the current one expires.</summary>
public sealed partial class ChatMeshClient
{
    /// <summary>Raised after a refresh: the new token is in use (and the open WebSocket accepted it, <c>authenticated</c>).</summary>
    public event EventHandler? TokenRefreshed;

    private async Task RefreshTokensAsync(Func<CancellationToken, ValueTask<string>> provider, CancellationToken stop)
    {
        var attempt = 0;
        try
        {
            while (ExpiresAt(_token) is { } expires)
            {
                var due = expires - _options.TokenRefreshMargin - DateTimeOffset.UtcNow;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due < TimeSpan.FromDays(1) ? due : TimeSpan.FromDays(1), stop).ConfigureAwait(false);
                    continue;
                }

                try
                {
                    await RefreshAsync(provider, expires, stop).ConfigureAwait(false);
                    attempt = 0;
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    // The provider failed or the server refused the token: try again with backoff until the token expires
                    // (then the server closes 4001, and the client stops unless a later refresh has succeeded).
                    await Task.Delay(Backoff.Delay(attempt++, _options), stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RefreshAsync(Func<CancellationToken, ValueTask<string>> provider, DateTimeOffset expires, CancellationToken stop)
    {
        var fresh = await provider(stop).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(fresh) || ExpiresAt(fresh) is { } later && later <= expires)
        {
            throw new ChatMeshException("token_invalid", "TokenProvider returned no token, or one that expires no later than the current one.");
        }

        _token = fresh;
        if (_current is WebSocketChannel { IsOpen: true } socket)
        {
            // The connection keeps the expiry it opened with until an auth frame moves it (docs/protocol.md, close 4001).
            await socket.AuthenticateAsync(fresh, _options.RequestTimeout, stop).ConfigureAwait(false);
        }

        TokenRefreshed?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>The <c>exp</c> of a JWT (read, not validated: the server validates), or null for a token without one.</summary>
    internal static DateTimeOffset? ExpiresAt(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var claims = JsonDocument.Parse(Convert.FromBase64String(payload));
            return claims.RootElement.ValueKind == JsonValueKind.Object && claims.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : null;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
