namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Uploads, the store behind them and its sweeper, bound from <c>Gateway:Attachments</c> and validated on start. The
/// gateway (uploads, downloads, the sweeper) and the integration service (files posted through inbound hooks) read the
/// same section, so both apply the same limits to the same store.
/// </summary>
public sealed class AttachmentOptions
{
    public const string SectionName = "Gateway:Attachments";

    /// <summary>The connection string that selects the S3-compatible store instead of the file system.</summary>
    public const string ConnectionStringName = "attachments";

    public const long DefaultMaxFileBytes = 10 * 1024 * 1024;
    public const long MinFileBytesCeiling = 1024;
    public const long MaxFileBytesCeiling = 1024L * 1024 * 1024;

    /// <summary>What the server accepts when <see cref="AllowedContentTypes"/> is not configured (decided from the bytes).</summary>
    public static readonly IReadOnlyList<string> DefaultAllowedContentTypes =
    [
        ContentSniffer.Png, ContentSniffer.Jpeg, ContentSniffer.Gif, ContentSniffer.Webp,
        ContentSniffer.Pdf, ContentSniffer.Zip, ContentSniffer.Gzip, ContentSniffer.Text,
    ];

    /// <summary>Largest file; a bigger upload gets 413 <c>payload_too_large</c>.</summary>
    public long MaxFileBytes { get; set; } = DefaultMaxFileBytes;

    /// <summary>
    /// The content types accepted, as the server detects them from the bytes (<see cref="ContentSniffer.KnownTypes"/>);
    /// anything else gets 415 <c>unsupported_media_type</c>. Unset: <see cref="DefaultAllowedContentTypes"/>.
    /// </summary>
    public string[]? AllowedContentTypes { get; set; }

    /// <summary>Longest file name kept (after the server strips any path and control characters).</summary>
    public int MaxNameLength { get; set; } = 200;

    /// <summary>
    /// The file-system store's folder (absolute). The AppHost sets it under its state directory; unset, it is
    /// <c>$XDG_STATE_HOME/chatmesh/attachments</c> (or <c>~/.local/state/chatmesh/attachments</c>). Ignored with S3.
    /// </summary>
    public string? Directory { get; set; }

    /// <summary><c>ConnectionStrings:attachments</c>, copied here on start: set, the S3-compatible store is used.</summary>
    public string? S3ConnectionString { get; set; }

    /// <summary>How often a gateway looks for blobs nothing references any more (one gateway at a time, by a Redis lock).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a blob is left alone after an upload claimed it or a sweep found it referenced. It must exceed the time an
    /// upload takes from writing its bytes to recording the attachment, or a sweep could delete bytes being uploaded.
    /// </summary>
    public TimeSpan SweepGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The backfill of blobs stored before the index existed (run once per deployment by the sweeping gateway) first
    /// rebuilds the attachments' blob references by a Redis <c>SCAN</c>: this is its <c>COUNT</c> per step.
    /// </summary>
    public int BackfillScanCount { get; set; } = 1000;

    /// <summary>Then it lists the store: stored blobs per listing page (S3 answers at most 1000 keys a page).</summary>
    public int BackfillPageSize { get; set; } = 1000;

    public IReadOnlyList<string> EffectiveAllowedContentTypes => AllowedContentTypes is { Length: > 0 } types ? types : DefaultAllowedContentTypes;

    public string EffectiveDirectory => string.IsNullOrWhiteSpace(Directory) ? DefaultDirectory() : Directory;

    private static string DefaultDirectory()
    {
        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrWhiteSpace(stateHome))
        {
            stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        return Path.Combine(stateHome, "chatmesh", "attachments");
    }
}
