using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Ssrf;

/// <summary>A refused target: the wire <c>error</c> code and why.</summary>
public sealed record TargetRefusal(string Error, string Detail);

/// <summary>Checks a webhook URL at registration: shape, scheme, and that every address the host resolves to may be reached.</summary>
public sealed class TargetValidator(TargetPolicy policy, IHostResolver resolver, IOptions<IntegrationOptions> options)
{
    public const int MaxUrlLength = 2048;

    /// <summary>Null when the URL may be registered; otherwise the refusal.</summary>
    public async Task<TargetRefusal?> CheckAsync(string? url, CancellationToken cancellationToken)
    {
        // Control characters and spaces are refused outright (Uri would quietly drop or escape some): a CR/LF in a URL
        // is a header-injection attempt, never a webhook receiver.
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength || url.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return new(IntegrationErrors.InvalidUrl, $"'url' must be an absolute http(s) URL of at most {MaxUrlLength} characters.");
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return new(IntegrationErrors.InvalidUrl, "'url' must use http or https.");
        }

        if (!string.IsNullOrEmpty(uri.UserInfo) || !string.IsNullOrEmpty(uri.Fragment))
        {
            return new(IntegrationErrors.InvalidUrl, "'url' must not carry credentials or a fragment.");
        }

        if (uri.Scheme == Uri.UriSchemeHttp && options.Value.Ssrf.RequireHttps == true)
        {
            return new(IntegrationErrors.InvalidUrl, "'url' must use https (Integration:Ssrf:RequireHttps).");
        }

        System.Net.IPAddress[] addresses;
        try
        {
            addresses = await resolver.ResolveAsync(uri.IdnHost, cancellationToken);
        }
        catch (System.Net.Sockets.SocketException)
        {
            addresses = [];
        }

        if (addresses.Length == 0)
        {
            return new(IntegrationErrors.TargetUnresolvable, $"'{uri.Host}' does not resolve.");
        }

        // Every answer must be allowed: a rebinding server could hand out any of them later.
        foreach (var address in addresses)
        {
            if (policy.Refusal(address) is { } category)
            {
                return new(IntegrationErrors.TargetNotAllowed, $"'{uri.Host}' resolves to {address} ({category}); webhooks may only reach public addresses. {SsrfBlockedException.AllowHint}");
            }
        }

        return null;
    }
}
