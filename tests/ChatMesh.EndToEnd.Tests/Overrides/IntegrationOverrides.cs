namespace ChatMesh.EndToEnd.Tests.Overrides;

/// <summary>
/// The integration service under test: only 127.0.0.2/32 allow-listed (the test receivers listen there; the rest of loopback,
/// 127.0.0.1 and <c>localhost</c> included, is refused as in production), plain http allowed,
/// a short timeout and a retry schedule whose first retries come within a test and which keeps a message pending for about a
/// minute and a half (long enough to stop and start the service during a backlog on a slow machine), and a low inbound rate limit.
/// </summary>
public sealed class IntegrationOverrides : IServiceOverrides
{
    public const int DeliveryTimeoutSeconds = 4;
    public const int MaxConcurrencyPerEndpoint = 2;
    public const int HookPerMinute = 5;
    public const int HookMaxBodyBytes = 8192;

    public string Resource => "integration";

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Integration__Ssrf__AllowedRanges__0"] = $"{Webhooks.WebhookReceiver.Address}/32",
        ["Integration__Ssrf__RequireHttps"] = "false",
        ["Integration__Delivery__Timeout"] = $"00:00:0{DeliveryTimeoutSeconds}",
        ["Integration__Delivery__VisibilityTimeout"] = "00:00:20",
        ["Integration__Delivery__RetrySchedule"] = "0s,300ms,300ms,300ms,1s,2s,4s,8s,15s,15s,15s,15s,15s,15s",
        ["Integration__Delivery__MaxRetryAfter"] = "00:00:10",
        ["Integration__Delivery__MaxConcurrencyPerEndpoint"] = $"{MaxConcurrencyPerEndpoint}",
        ["Integration__Inbound__PerMinute"] = $"{HookPerMinute}",
        ["Integration__Inbound__MaxBodyBytes"] = $"{HookMaxBodyBytes}",
    };
}
