using ChatMesh.Chat.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Identity;

/// <summary>Registers JWT authentication the same way in every ChatMesh service.</summary>
public static class ChatAuthenticationExtensions
{
    /// <summary>
    /// Binds and validates <see cref="ChatAuthOptions"/> (section <c>Auth</c>) on start, adds JwtBearer (header, cookie,
    /// or query on the allowed paths), a default policy requiring an authenticated user, problem details and
    /// <see cref="ChatTokenIssuer"/>. WebApplication adds the authentication and authorization middleware itself.
    /// </summary>
    public static TBuilder AddChatAuthentication<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddOptions<ChatAuthOptions>()
            .Bind(builder.Configuration.GetSection(ChatAuthOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatAuthOptions>, ChatAuthOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ChatTokenIssuer>();
        services.TryAddSingleton<ChatJwtBearerEvents>();
        services.TryAddSingleton<RevokedTokens>();
        // A factory, so a host without Redis (unit tests) still builds; only resolved when a multiplexer is registered.
        services.TryAddSingleton(provider => new TokenRevocationStore(
            provider.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>(), provider.GetRequiredService<RevokedTokens>(),
            provider.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TokenRevocationSync>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JwtBearerOptions>, ConfigureChatJwtBearer>());

        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .Build());
        services.AddProblemDetails();
        // Every service that takes tokens also admits by source address (app.UseChatSourceLimits()).
        builder.AddChatSourceLimits();
        return builder;
    }
}
