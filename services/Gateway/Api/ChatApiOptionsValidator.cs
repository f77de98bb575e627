using Microsoft.Extensions.Options;

namespace ChatMesh.Gateway.Api;

/// <summary>Stops the gateway at start when a <see cref="ChatApiOptions"/> limit is out of range, naming the key.</summary>
public sealed class ChatApiOptionsValidator : IValidateOptions<ChatApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = ChatApiOptions.SectionName;

        if (options.MaxRequestBodyBytes is < ChatApiOptions.MinRequestBodyBytes or > ChatApiOptions.MaxRequestBodyBytesCeiling)
        {
            failures.Add($"{section}:MaxRequestBodyBytes must be {ChatApiOptions.MinRequestBodyBytes} to " +
                $"{ChatApiOptions.MaxRequestBodyBytesCeiling}, got {options.MaxRequestBodyBytes}.");
        }

        if (options.MaxPageLimit is < 1 or > 1000)
        {
            failures.Add($"{section}:MaxPageLimit must be 1 to 1000, got {options.MaxPageLimit}.");
        }

        if (options.DefaultPageLimit < 1 || options.DefaultPageLimit > options.MaxPageLimit)
        {
            failures.Add($"{section}:DefaultPageLimit must be 1 to MaxPageLimit ({options.MaxPageLimit}), got {options.DefaultPageLimit}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
