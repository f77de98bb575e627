using ChatMesh.EndToEnd.Tests.Overrides;

namespace ChatMesh.EndToEnd.Tests.Security;

/// <summary>
/// A low sign-in budget per source address on the gateway. Loopback is exempt, so only the tests that name a
/// client address through X-Forwarded-For (the loopback peer is the trusted proxy) ever reach it.
/// </summary>
public sealed class SecurityOverrides : IServiceOverrides
{
    public const int SignInsPerMinute = 3;

    public string Resource => "gateway";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["SourceLimits__SignInsPerMinute"] = SignInsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
