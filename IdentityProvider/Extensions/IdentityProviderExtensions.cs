using IotAspire.IdentityProvider.Endpoints;
using IotAspire.IdentityProvider.Realm;
using Microsoft.AspNetCore.Authentication.Cookies;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IotAspire.IdentityProvider.Extensions;

public static class IdentityProviderExtensions
{
    private static readonly TimeSpan KeycloakDefaultAccessTokenLifetime = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A small OpenID Connect provider that serves the realm file Keycloak imports, at Keycloak's paths and with
    /// Keycloak's token shape, for runs without containers. It reads the realm once, at start: a missing file or
    /// placeholder stops it with a message that names it.
    /// </summary>
    public static WebApplicationBuilder AddIdentityProvider(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdentityProviderOptions>()
            .Bind(builder.Configuration.GetSection(IdentityProviderOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(IdentityProviderOptions.Section).Get<IdentityProviderOptions>() ?? new();
        if (string.IsNullOrWhiteSpace(options.File))
        {
            throw new InvalidOperationException("Realm:File is not set: point it at the realm export (AppHost/realm/iot-realm.json).");
        }

        var realm = RealmLoader.Load(options.File, name => builder.Configuration[name]);
        builder.Services.AddSingleton(realm);

        if (!string.IsNullOrWhiteSpace(options.KeyDirectory))
        {
            ProviderKeys.PersistDataProtection(builder.Services, options.KeyDirectory);
        }

        builder.Services.AddAntiforgery();
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.LoginPath = RealmPaths.Login(realm);
                cookie.Cookie.Name = "iot-identity-session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            });

        builder.Services.AddOpenIddict().AddServer(server =>
        {
            server.SetAuthorizationEndpointUris(RealmPaths.Authorization)
                .SetTokenEndpointUris(RealmPaths.Token)
                .SetUserInfoEndpointUris(RealmPaths.UserInfo)
                .SetEndSessionEndpointUris(RealmPaths.Logout)
                .SetJsonWebKeySetEndpointUris(RealmPaths.Certs)
                .SetConfigurationEndpointUris(RealmPaths.Discovery);

            server.AllowAuthorizationCodeFlow()
                .AllowRefreshTokenFlow()
                .AllowPasswordFlow()
                .AllowClientCredentialsFlow()
                .RequireProofKeyForCodeExchange();
            server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Roles, Scopes.OfflineAccess, "basic", "web-origins", "iot-api");

            server.SetAccessTokenLifetime(options.AccessTokenLifetime ?? realm.AccessTokenLifespan ?? KeycloakDefaultAccessTokenLifetime);

            if (string.IsNullOrWhiteSpace(options.KeyDirectory))
            {
                server.AddEphemeralSigningKey().AddEphemeralEncryptionKey();
            }
            else
            {
                server.AddSigningKey(ProviderKeys.Load(options.KeyDirectory, "signing"))
                    .AddEncryptionKey(ProviderKeys.Load(options.KeyDirectory, "encryption"));
            }

            // Access tokens are plain signed JWTs (RS256) like Keycloak's, so any resource server can read them.
            server.DisableAccessTokenEncryption();

            // No application or token store: the realm file is the only source of clients (see RealmRequestValidation).
            // Without a token store, authorization codes and refresh tokens are not revocable before they expire.
            server.EnableDegradedMode().DisableTokenStorage();
            server.AddRealmRequestValidation(realm, options.PublicOrigin);

            server.UseAspNetCore()
                .EnableAuthorizationEndpointPassthrough()
                .EnableTokenEndpointPassthrough()
                .EnableUserInfoEndpointPassthrough()
                .EnableEndSessionEndpointPassthrough()
                // Local runs are plain http, like Keycloak's start-dev.
                .DisableTransportSecurityRequirement();
        });

        return builder;
    }

    public static WebApplication MapIdentityProvider(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseAntiforgery();
        app.MapRealmEndpoints(app.Services.GetRequiredService<RealmDefinition>());
        return app;
    }
}
