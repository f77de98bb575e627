using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Ssrf;

/// <summary>
/// Decides whether a webhook may connect to an address: public addresses yes, non-public ones only inside
/// <see cref="SsrfOptions.AllowedRanges"/>. The same rule runs at registration and on every connect.
/// </summary>
public sealed class TargetPolicy
{
    private readonly IPNetwork[] allowed;

    public TargetPolicy(IOptions<IntegrationOptions> options)
        : this(options?.Value.Ssrf ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    public TargetPolicy(SsrfOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        allowed = [.. (options.AllowedRanges ?? []).Select(range => IPNetwork.Parse(range))];
    }

    /// <summary>Null when <paramref name="address"/> may be reached; otherwise its refused category.</summary>
    public string? Refusal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var category = AddressClassifier.Classify(address);
        if (category is null)
        {
            return null;
        }

        var forms = AddressClassifier.EmbeddedIPv4(address) is { } v4 ? new[] { address, v4 } : [address];
        foreach (var form in forms)
        {
            foreach (var range in allowed)
            {
                if (range.BaseAddress.AddressFamily == form.AddressFamily && range.Contains(form))
                {
                    return null;
                }
            }
        }

        return category;
    }

    /// <summary>Whether the family can be connected to at all (IPv4 or IPv6).</summary>
    public static bool IsInternet(IPAddress address) =>
        address?.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6;
}
