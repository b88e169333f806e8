using System.Security.Claims;
using IotAspire.Dashboard.Charts;
using IotAspire.Dashboard.Extensions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace IotAspire.Dashboard.Auth;

/// <summary>
/// Sign-in as the Blazor Web App OIDC samples do it (server-side BFF): authorization code with PKCE against the
/// provider, a cookie session on the dashboard that holds the tokens, renewed with the refresh token. The browser
/// never sees a token.
/// </summary>
public static class AuthenticationExtensions
{
    public static IHostApplicationBuilder AddDashboardAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardIdentityOptions>()
            .BindConfiguration(DashboardIdentityOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddAuthentication(options =>
            {
                options.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                options.DefaultChallengeScheme = OpenIdConnectDefaults.AuthenticationScheme;
            })
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "iot-dashboard-session";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
                cookie.SlidingExpiration = true;
            })
            .AddOpenIdConnect();

        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<CookieTokenRefresh>((cookie, refresh) => cookie.Events.OnValidatePrincipal = refresh.ValidateAsync);
        builder.Services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<IOptions<DashboardIdentityOptions>, IOptions<DashboardOptions>>((oidc, identity, dashboard) =>
                ConfigureOpenIdConnect(oidc, identity.Value, dashboard.Value));

        builder.Services.AddHttpClient(TokenRefresher.HttpClientName);
        builder.Services.AddSingleton<TokenRefresher>();
        builder.Services.AddSingleton<CookieTokenRefresh>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<UserTokens>();
        builder.Services.AddScoped<CircuitHandler, CircuitTokenCapture>();
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    private static void ConfigureOpenIdConnect(OpenIdConnectOptions oidc, DashboardIdentityOptions identity, DashboardOptions dashboard)
    {
        oidc.Authority = identity.Authority;
        oidc.ClientId = identity.ClientId;
        oidc.RequireHttpsMetadata = identity.RequireHttpsMetadata;
        oidc.ResponseType = OpenIdConnectResponseType.Code;
        oidc.UsePkce = true;
        oidc.SaveTokens = true;
        oidc.Scope.Add(OpenIdConnectScope.OfflineAccess); // The refresh token keeps long sessions going.
        oidc.MapInboundClaims = false; // The provider's names: sub, preferred_username, name.
        oidc.TokenValidationParameters.NameClaimType = "preferred_username";
        oidc.TokenValidationParameters.RoleClaimType = DashboardRoles.ClaimType;
        // Pushed authorization requests only where the provider offers them (Keycloak does, the local provider not).
        oidc.PushedAuthorizationBehavior = PushedAuthorizationBehavior.UseIfAvailable;

        oidc.Events.OnTokenValidated = context =>
        {
            // Roles are in the access token only (as the Api reads them), not in the ID token.
            if (context.Principal?.Identity is ClaimsIdentity user)
            {
                RoleClaimsFromToken.Replace(user, context.TokenEndpointResponse?.AccessToken, identity.RolesClaim);
            }

            return Task.CompletedTask;
        };
        oidc.Events.OnRedirectToIdentityProvider = context =>
        {
            // The browser's own data requests (charts) cannot follow a redirect to a login page: say 401 instead.
            if (context.Request.Path.StartsWithSegments(ChartDataEndpoints.PathPrefix))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.HandleResponse();
                return Task.CompletedTask;
            }

            if (dashboard.PublicOrigin is { } origin)
            {
                context.ProtocolMessage.RedirectUri = new Uri(origin, oidc.CallbackPath.Value).ToString();
            }

            return Task.CompletedTask;
        };
        oidc.Events.OnRedirectToIdentityProviderForSignOut = context =>
        {
            // The provider checks post_logout_redirect_uri against this client's registered URIs.
            context.ProtocolMessage.ClientId = identity.ClientId;
            if (dashboard.PublicOrigin is { } origin)
            {
                context.ProtocolMessage.PostLogoutRedirectUri = new Uri(origin, oidc.SignedOutCallbackPath.Value).ToString();
            }

            return Task.CompletedTask;
        };
    }

    /// <summary>GET /authentication/login?returnUrl=/devices/x and POST /authentication/logout (a form with antiforgery).</summary>
    public static IEndpointConventionBuilder MapAuthenticationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/authentication");
        group.MapGet("/login", (string? returnUrl) =>
            TypedResults.Challenge(new AuthenticationProperties { RedirectUri = LocalPath(returnUrl) })).AllowAnonymous();
        group.MapPost("/logout", ([Microsoft.AspNetCore.Mvc.FromForm] string? returnUrl) =>
            TypedResults.SignOut(new AuthenticationProperties { RedirectUri = LocalPath(returnUrl) },
                [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme]));
        return group;
    }

    /// <summary>Only a path on this site ("/x"), never "//evil" or "/\evil", which browsers read as another host.</summary>
    internal static string LocalPath(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}
