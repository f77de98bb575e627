using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Presence;

/// <summary>How connections are counted and presence derived (section <c>Presence</c>), validated at start.</summary>
public sealed class PresenceOptions
{
    public const string SectionName = "Presence";

    /// <summary>A connection not refreshed for this long counts as gone (its instance crashed): the bound on going offline.</summary>
    public TimeSpan ConnectionTtl { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How often an instance refreshes its live connections.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often instances look for connections whose instance stopped refreshing them.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(10);
}

internal sealed class PresenceOptionsValidator : IValidateOptions<PresenceOptions>
{
    public ValidateOptionsResult Validate(string? name, PresenceOptions options) =>
        options.RefreshInterval <= TimeSpan.Zero || options.SweepInterval <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail($"{PresenceOptions.SectionName}: RefreshInterval and SweepInterval must be positive.")
            : options.ConnectionTtl < options.RefreshInterval * 2
                ? ValidateOptionsResult.Fail($"{PresenceOptions.SectionName}:ConnectionTtl must be at least twice RefreshInterval, so one late refresh does not drop a live connection.")
                : ValidateOptionsResult.Success;
}
