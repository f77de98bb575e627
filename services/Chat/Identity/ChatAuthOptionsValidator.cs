using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Identity;

/// <summary>Checks <see cref="ChatAuthOptions"/> at start so a bad key or limit stops the service with a clear message.</summary>
public sealed class ChatAuthOptionsValidator(IHostEnvironment? environment) : IValidateOptions<ChatAuthOptions>
{
    /// <summary>Without an environment the Production rule is not checked (unit tests of the other rules).</summary>
    public ChatAuthOptionsValidator()
        : this(null)
    {
    }

    public ValidateOptionsResult Validate(string? name, ChatAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = ChatAuthOptions.SectionName;

        if (options.UsesAuthority)
        {
            if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out _))
            {
                failures.Add($"{section}:Authority must be an absolute URI (the OpenID Connect issuer), got '{options.Authority}'.");
            }

            if (options.DevSignIn.Enabled)
            {
                // Services validate against the authority's keys only, so dev tokens would be issued but never accepted.
                failures.Add($"{section}:DevSignIn:Enabled cannot be true together with {section}:Authority; use one or the other.");
            }
        }

        if (!options.UsesAuthority || options.IsDevSignInEnabled)
        {
            var keyBytes = options.SigningKey is null ? 0 : Encoding.UTF8.GetByteCount(options.SigningKey);
            if (keyBytes < ChatAuthOptions.MinSigningKeyBytes)
            {
                failures.Add(
                    $"{section}:SigningKey must be at least {ChatAuthOptions.MinSigningKeyBytes} bytes of UTF-8 (got {keyBytes}). " +
                    $"The AppHost passes it as Auth__SigningKey; outside the AppHost set that variable, or set {section}:Authority.");
            }
        }

        if (options.IsDevSignInEnabled && environment?.IsProduction() == true && !options.DevSignIn.AllowInProduction)
        {
            // Anyone could sign in as anyone: refuse unless a second, deliberately named switch says so.
            failures.Add(
                $"{section}:DevSignIn:Enabled is true in the Production environment. Dev sign-in lets anyone sign in as anyone; " +
                $"configure {section}:Authority instead, or set {section}:DevSignIn:AllowInProduction=true if this really is wanted.");
        }

        if (options.RevocationSyncInterval <= TimeSpan.Zero || options.RevocationSyncInterval > ChatAuthOptions.MaxRevocationSyncInterval)
        {
            failures.Add($"{section}:RevocationSyncInterval must be above 0 and at most {ChatAuthOptions.MaxRevocationSyncInterval}, got {options.RevocationSyncInterval}.");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add($"{section}:Issuer must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add($"{section}:Audience must not be empty.");
        }

        if (options.TokenLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{section}:TokenLifetime must be greater than zero, got {options.TokenLifetime}.");
        }

        if (options.ClockSkew < TimeSpan.Zero)
        {
            failures.Add($"{section}:ClockSkew must not be negative, got {options.ClockSkew}.");
        }

        if (!IsCookieName(options.CookieName))
        {
            failures.Add($"{section}:CookieName must be a non-empty cookie token (letters, digits, '_', '-', '.'), got '{options.CookieName}'.");
        }

        foreach (var path in options.EffectiveQueryTokenPaths)
        {
            if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Length == 1)
            {
                failures.Add($"{section}:QueryTokenPaths entries must be path prefixes like '/ws' (not '/' alone), got '{path}'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsCookieName(string? value) =>
        !string.IsNullOrEmpty(value) && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
