using IotAspire.IdentityProvider.Realm;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace IotAspire.IdentityProvider.Extensions;

/// <summary>
/// OpenIddict runs in degraded mode (no application store): these handlers check every request against the realm
/// file's clients instead, with Keycloak's rules (client type, enabled flows, redirect URI patterns, PKCE method).
/// </summary>
public static class RealmRequestValidation
{
    public static OpenIddictServerBuilder AddRealmRequestValidation(this OpenIddictServerBuilder server, RealmDefinition realm, Uri? publicOrigin) => server
        .AddEventHandler<ProcessRequestContext>(handler => handler
            .UseInlineHandler(context => UseRealmBaseUri(context, realm.Name, publicOrigin))
            .SetOrder(OpenIddictServerAspNetCoreHandlers.ResolveRequestUri.Descriptor.Order + 1))
        .AddEventHandler<ValidateAuthorizationRequestContext>(handler => handler.UseSingletonHandler<ValidateAuthorizationRequest>())
        .AddEventHandler<ValidateTokenRequestContext>(handler => handler.UseSingletonHandler<ValidateTokenRequest>())
        .AddEventHandler<ValidateEndSessionRequestContext>(handler => handler.UseSingletonHandler<ValidateEndSessionRequest>());

    /// <summary>
    /// Keycloak's issuer and endpoints live under /realms/{name}: the base URI (hence the issuer, without a trailing
    /// slash like Keycloak's) is the request's origin, or Realm:PublicOrigin, plus that path.
    /// </summary>
    private static ValueTask UseRealmBaseUri(ProcessRequestContext context, string realmName, Uri? publicOrigin)
    {
        var origin = publicOrigin ?? context.BaseUri;
        if (origin is not null)
        {
            context.BaseUri = new Uri(origin.GetLeftPart(UriPartial.Authority) + "/realms/" + realmName, UriKind.Absolute);
        }

        return default;
    }

    public sealed class ValidateAuthorizationRequest(RealmDefinition realm) : IOpenIddictServerHandler<ValidateAuthorizationRequestContext>
    {
        public ValueTask HandleAsync(ValidateAuthorizationRequestContext context)
        {
            var client = realm.FindClient(context.ClientId);
            if (client is null)
            {
                context.Reject(Errors.InvalidClient, "Client not found.");
            }
            else if (!client.StandardFlowEnabled)
            {
                context.Reject(Errors.UnauthorizedClient, "Client is not allowed to initiate browser login.");
            }
            else if (!RedirectUriPattern.IsAllowed(client.RedirectUris, context.RedirectUri))
            {
                context.Reject(Errors.InvalidRequest, "Invalid redirect_uri.");
            }
            else if (client.PkceMethod is { } method && !string.Equals(context.Request.CodeChallengeMethod, method, StringComparison.Ordinal))
            {
                context.Reject(Errors.InvalidRequest, $"Missing or wrong code_challenge_method: this client requires {method}.");
            }

            return default;
        }
    }

    public sealed class ValidateTokenRequest(RealmDefinition realm) : IOpenIddictServerHandler<ValidateTokenRequestContext>
    {
        public ValueTask HandleAsync(ValidateTokenRequestContext context)
        {
            var client = realm.FindClient(context.ClientId);
            if (client is null)
            {
                context.Reject(Errors.InvalidClient, "Invalid client or Invalid client credentials.");
                return default;
            }

            if (!client.PublicClient && !Secrets.Matches(client.Secret, context.ClientSecret))
            {
                context.Reject(Errors.InvalidClient, "Invalid client or Invalid client credentials.");
                return default;
            }

            var allowed = context.Request.GrantType switch
            {
                GrantTypes.Password => client.DirectAccessGrantsEnabled,
                GrantTypes.AuthorizationCode => client.StandardFlowEnabled,
                GrantTypes.ClientCredentials => client.ServiceAccountsEnabled && !client.PublicClient,
                GrantTypes.RefreshToken => true,
                _ => false,
            };
            if (!allowed)
            {
                context.Reject(Errors.UnauthorizedClient, $"Client not allowed for grant type {context.Request.GrantType}.");
            }

            return default;
        }
    }

    public sealed class ValidateEndSessionRequest(RealmDefinition realm) : IOpenIddictServerHandler<ValidateEndSessionRequestContext>
    {
        public ValueTask HandleAsync(ValidateEndSessionRequestContext context)
        {
            if (string.IsNullOrEmpty(context.PostLogoutRedirectUri))
            {
                return default;
            }

            // Keycloak's "post.logout.redirect.uris": "+" means the client's redirect URIs.
            var clientId = context.ClientId ?? context.IdentityTokenHintPrincipal?.GetClaim(RealmPrincipals.AuthorizedPartyClaim);
            var client = realm.FindClient(clientId);
            if (client is null || !RedirectUriPattern.IsAllowed(client.RedirectUris, context.PostLogoutRedirectUri))
            {
                context.Reject(Errors.InvalidRequest, "Invalid post_logout_redirect_uri (or no client_id to check it against).");
            }

            return default;
        }
    }
}
