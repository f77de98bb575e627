namespace ChatMesh.Chat.Attachments;

/// <summary>What the gateway (which serves downloads) and the edge (which proxies them) agree on about download URLs.</summary>
public static class AttachmentHttp
{
    /// <summary>Downloads live under their own prefix, so the edge can give them their own policy.</summary>
    public const string DownloadPrefix = "/files";

    /// <summary>
    /// The sandbox every download is served under: a file opened as a page can run nothing, load nothing and be framed by
    /// nothing, so even a file a browser would render cannot act on this origin.
    /// </summary>
    public const string DownloadContentSecurityPolicy =
        "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'";
}
