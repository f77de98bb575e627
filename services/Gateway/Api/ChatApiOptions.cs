namespace ChatMesh.Gateway.Api;

/// <summary>Limits of the REST chat API, bound from <c>Gateway:Api</c> and validated on start.</summary>
public sealed class ChatApiOptions
{
    public const string SectionName = "Gateway:Api";

    public const long DefaultMaxRequestBodyBytes = 64 * 1024;
    public const long MinRequestBodyBytes = 1024;
    public const long MaxRequestBodyBytesCeiling = 16 * 1024 * 1024;

    /// <summary>Largest request body any API endpoint reads; a bigger one gets 413 <c>payload_too_large</c>.</summary>
    public long MaxRequestBodyBytes { get; set; } = DefaultMaxRequestBodyBytes;

    /// <summary>Largest <c>limit</c> a history page or event batch may ask for.</summary>
    public int MaxPageLimit { get; set; } = 100;

    /// <summary>The <c>limit</c> used when a request gives none.</summary>
    public int DefaultPageLimit { get; set; } = 50;
}
