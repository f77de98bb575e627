using System.Buffers.Binary;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Security;

/// <summary>
/// The client's address as a limiter key: the peer's, or the last <c>X-Forwarded-For</c> entry when the peer is a trusted
/// proxy (the edge). IPv4-mapped IPv6 counts as IPv4; IPv6 counts per /64, the block one host or customer usually has.
/// </summary>
public readonly record struct SourceAddress(UInt128 Value, bool IsIPv6, bool IsLoopback)
{
    public const string ForwardedForHeader = "X-Forwarded-For";

    /// <summary>The request's source, or null when the transport has no peer address (in-memory test hosts).</summary>
    public static SourceAddress? Of(HttpContext context, IReadOnlySet<IPAddress> trustedProxies)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Connection.RemoteIpAddress is not { } peer)
        {
            return null;
        }

        peer = Normalize(peer);
        if (trustedProxies.Contains(peer) && LastForwardedFor(context.Request.Headers[ForwardedForHeader]) is { } forwarded)
        {
            peer = forwarded;
        }

        return From(peer);
    }

    public static SourceAddress From(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        address = Normalize(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        if (written == 4)
        {
            return new SourceAddress(BinaryPrimitives.ReadUInt32BigEndian(bytes), IsIPv6: false, IPAddress.IsLoopback(address));
        }

        // The /64 prefix: the low half (interface id) is the part one host changes at will.
        return new SourceAddress((UInt128)BinaryPrimitives.ReadUInt64BigEndian(bytes) << 64, IsIPv6: true, IPAddress.IsLoopback(address));
    }

    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The entry the trusted proxy appended (the last one); anything before it was written by the client.</summary>
    private static IPAddress? LastForwardedFor(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var last = values[values.Count - 1].AsSpan();
        var comma = last.LastIndexOf(',');
        var entry = (comma < 0 ? last : last[(comma + 1)..]).Trim();
        return IPAddress.TryParse(entry, out var address) ? Normalize(address) : null;
    }
}
