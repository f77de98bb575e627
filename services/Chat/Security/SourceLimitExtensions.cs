using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Security;

public static class SourceLimitExtensions
{
    /// <summary>Binds and validates <see cref="SourceLimitOptions"/> (section <c>SourceLimits</c>) and registers the limiter.</summary>
    public static TBuilder AddChatSourceLimits<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<SourceLimitOptions>().Bind(builder.Configuration.GetSection(SourceLimitOptions.SectionName)).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SourceLimitOptions>, SourceLimitOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<SourceAddressLimiter>();
        return builder;
    }

    /// <summary>The per-source-address admission of connections, sign-ins and hook posts (docs/security.md).</summary>
    public static IApplicationBuilder UseChatSourceLimits(this IApplicationBuilder app) => app.UseMiddleware<SourceLimitMiddleware>();
}
