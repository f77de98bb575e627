using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace ChatMesh.Legacy.Identity;

/// <summary>
/// Puts <see cref="ValidatedTokenCache"/> in front of every JwtBearer token handler of this service, and keeps the raw
/// token out of each request's authentication properties (<see cref="JwtBearerOptions.SaveToken"/> off): nothing here
/// reads it back, and stored it cost every poll a dictionary and two strings, held for the whole hold.
/// </summary>
internal sealed class CacheValidatedTokens(ValidatedTokenCache cache) : IPostConfigureOptions<JwtBearerOptions>
{
    public void PostConfigure(string? name, JwtBearerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (name != JwtBearerDefaults.AuthenticationScheme)
        {
            return;
        }

        options.SaveToken = false;
        for (var i = 0; i < options.TokenHandlers.Count; i++)
        {
            if (options.TokenHandlers[i] is not CachingTokenHandler)
            {
                options.TokenHandlers[i] = new CachingTokenHandler(options.TokenHandlers[i], cache);
            }
        }
    }
}
