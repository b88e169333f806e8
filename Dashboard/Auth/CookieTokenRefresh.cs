using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using IotAspire.Dashboard.Extensions;

namespace IotAspire.Dashboard.Auth;

/// <summary>
/// On every request with the session cookie: an access token near its expiry is renewed with the refresh token and
/// the cookie is written again; when the provider refuses, the session ends and the user signs in again. This covers
/// page loads and the chart data endpoint; a circuit renews its own copy (<see cref="UserTokens"/>).
/// </summary>
public sealed class CookieTokenRefresh(TokenRefresher refresher, IOptions<DashboardIdentityOptions> identity, TimeProvider clock)
{
    public async Task ValidateAsync(CookieValidatePrincipalContext context)
    {
        if (SessionTokens.Read(context.Properties) is not { } tokens || !tokens.IsDue(clock.GetUtcNow(), identity.Value.RefreshBefore))
        {
            return;
        }

        var renewed = tokens.RefreshToken is null ? null : await refresher.RefreshAsync(tokens.RefreshToken, context.HttpContext.RequestAborted);
        if (renewed is null)
        {
            context.RejectPrincipal();
            return;
        }

        SessionTokens.Write(context.Properties, renewed);
        // Roles may have changed at the provider: take them from the new access token.
        if (context.Principal?.Identity is ClaimsIdentity user)
        {
            RoleClaimsFromToken.Replace(user, renewed.AccessToken, identity.Value.RolesClaim);
        }

        context.ShouldRenew = true;
    }
}

/// <summary>Puts the access token's roles on the signed-in identity as <see cref="DashboardRoles.ClaimType"/> claims.</summary>
public static class RoleClaimsFromToken
{
    public static void Replace(ClaimsIdentity identity, string? accessToken, string rolesClaim)
    {
        foreach (var old in identity.FindAll(DashboardRoles.ClaimType).ToList())
        {
            identity.RemoveClaim(old);
        }

        foreach (var role in AccessTokenRoles.Read(accessToken, rolesClaim))
        {
            identity.AddClaim(new Claim(DashboardRoles.ClaimType, role));
        }
    }
}
