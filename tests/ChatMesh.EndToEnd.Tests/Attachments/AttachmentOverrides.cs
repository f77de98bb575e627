using ChatMesh.EndToEnd.Tests.Overrides;

namespace ChatMesh.EndToEnd.Tests.Attachments;

/// <summary>Attachment limits lowered so the hostile cases are quick to reach.</summary>
public sealed class AttachmentOverrides : IServiceOverrides
{
    public const int MaxFileBytes = 256 * 1024;
    public const int MaxPerMessage = 3;

    public string Resource => "gateway";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Gateway__Attachments__MaxFileBytes"] = MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Chat__Attachments__MaxPerMessage"] = MaxPerMessage.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
