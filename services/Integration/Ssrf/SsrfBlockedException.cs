using System.Net;

namespace ChatMesh.Integration.Ssrf;

/// <summary>A connect refused because every address of the target is inside the network (<c>ssrf_blocked</c>).</summary>
public sealed class SsrfBlockedException(string host, IPAddress address, string category)
    : Exception($"'{host}' resolved to {address} ({category}), which webhooks may not reach.")
{
    public IPAddress Address { get; } = address;

    public string Category { get; } = category;
}
