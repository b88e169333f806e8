using System.Security.Claims;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IotAspire.IdentityProvider.Realm;

/// <summary>Builds the claims of a token the way Keycloak shapes them for this realm.</summary>
public static class RealmPrincipals
{
    public const string RealmAccessClaim = "realm_access";
    public const string AuthorizedPartyClaim = "azp";

    /// <summary>Identity-token and userinfo claims; everything goes into the access token.</summary>
    private static readonly HashSet<string> ProfileClaims =
        [Claims.PreferredUsername, Claims.Email, Claims.EmailVerified, Claims.GivenName, Claims.FamilyName, Claims.Name];

    public static ClaimsPrincipal Create(RealmUser user, RealmClient client, IEnumerable<string> requestedScopes)
    {
        var identity = new ClaimsIdentity(TokenValidationParameters.DefaultAuthenticationType, Claims.PreferredUsername, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id)
            .SetClaim(Claims.PreferredUsername, user.Username)
            .SetClaim(AuthorizedPartyClaim, client.ClientId)
            .SetClaim(RealmAccessClaim, JsonSerializer.SerializeToElement(new RealmAccess(user.RealmRoles)));
        if (user.Email is not null)
        {
            identity.SetClaim(Claims.Email, user.Email).SetClaim(Claims.EmailVerified, user.EmailVerified);
        }

        if (user.FirstName is not null || user.LastName is not null)
        {
            identity.SetClaim(Claims.GivenName, user.FirstName)
                .SetClaim(Claims.FamilyName, user.LastName)
                .SetClaim(Claims.Name, string.Join(' ', new[] { user.FirstName, user.LastName }.OfType<string>()));
        }

        var principal = new ClaimsPrincipal(identity);
        // Keycloak always issues a refresh token with the password and code grants; OpenIddict does so for offline_access.
        principal.SetScopes(requestedScopes.Append(Scopes.OfflineAccess).Distinct(StringComparer.Ordinal));
        principal.SetAudiences(client.Audiences);
        principal.SetPresenters(client.ClientId);
        principal.SetDestinations(claim => ProfileClaims.Contains(claim.Type)
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);
        return principal;
    }

    private sealed record RealmAccess(IReadOnlyList<string> roles);
}
