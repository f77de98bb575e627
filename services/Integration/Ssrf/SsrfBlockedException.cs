using System.Net;

namespace ChatMesh.Integration.Ssrf;

/// <summary>A connect refused because every address of the target is inside the network (<c>ssrf_blocked</c>).</summary>
public sealed class SsrfBlockedException(string host, IPAddress address, string category)
    : Exception($"'{host}' resolved to {address} ({category}), which webhooks may not reach. {AllowHint}")
{
    /// <summary>What to set to allow such a target: named in every refusal (registration and connect), docs/operations.md.</summary>
    public const string AllowHint = "Allow a range with Integration:Ssrf:AllowedRanges; for a receiver on this machine in development, run with ChatMesh__Webhooks__AllowLocalReceivers=true (docs/operations.md, \"Trying webhooks locally\").";

    public IPAddress Address { get; } = address;

    public string Category { get; } = category;
}
