using System.Security.Claims;
using IotAspire.IdentityProvider.Realm;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IotAspire.IdentityProvider.Endpoints;

/// <summary>
/// The passthrough endpoints: OpenIddict has validated the request against the realm's clients; these decide who the
/// user is and sign the tokens in.
/// </summary>
public static class RealmEndpoints
{
    private const string OpenIddictScheme = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static void MapRealmEndpoints(this IEndpointRouteBuilder app, RealmDefinition realm)
    {
        var root = RealmPaths.Root(realm);
        app.MapPost($"{root}/{RealmPaths.Token}", Token).DisableAntiforgery();
        app.MapMethods($"{root}/{RealmPaths.Authorization}", [HttpMethods.Get, HttpMethods.Post], Authorize).DisableAntiforgery();
        app.MapMethods($"{root}/{RealmPaths.UserInfo}", [HttpMethods.Get, HttpMethods.Post], UserInfo).DisableAntiforgery();
        app.MapMethods($"{root}/{RealmPaths.Logout}", [HttpMethods.Get, HttpMethods.Post], (Delegate)Logout).DisableAntiforgery();
        app.MapLoginPage(realm);
    }

    public static async Task<IResult> Token(HttpContext context, RealmDefinition realm)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var client = realm.FindClient(request.ClientId) ?? throw new InvalidOperationException("The client was validated but is gone.");

        if (request.IsPasswordGrantType())
        {
            var user = realm.FindUser(request.Username);
            return user is not null && Secrets.Matches(user.Password, request.Password)
                ? SignIn(RealmPrincipals.Create(user, client, request.GetScopes()))
                : InvalidGrant("Invalid user credentials");
        }

        if (request.IsClientCredentialsGrantType())
        {
            var serviceAccount = realm.FindServiceAccount(client.ClientId);
            return serviceAccount is not null
                ? SignIn(RealmPrincipals.Create(serviceAccount, client, request.GetScopes()))
                : InvalidGrant("The client has no service account.");
        }

        // Authorization code or refresh token: OpenIddict checked the token (and PKCE); the user's roles are read anew.
        var result = await context.AuthenticateAsync(OpenIddictScheme);
        var previous = result.Principal;
        var subject = realm.FindUserById(previous?.GetClaim(Claims.Subject));
        return previous is not null && subject is not null
            ? SignIn(RealmPrincipals.Create(subject, client, previous.GetScopes()))
            : InvalidGrant("The user no longer exists or is disabled.");
    }

    public static async Task<IResult> Authorize(HttpContext context, RealmDefinition realm)
    {
        var request = context.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var client = realm.FindClient(request.ClientId) ?? throw new InvalidOperationException("The client was validated but is gone.");

        var session = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        var user = session.Succeeded ? realm.FindUserById(session.Principal?.FindFirstValue(Claims.Subject)) : null;
        if (user is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Results.Forbid(ErrorProperties(Errors.LoginRequired, "The user is not signed in."), [OpenIddictScheme]);
            }

            // To the login page, which comes back here with the same query once the user has signed in.
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = context.Request.PathBase + context.Request.Path + context.Request.QueryString },
                [CookieAuthenticationDefaults.AuthenticationScheme]);
        }

        return SignIn(RealmPrincipals.Create(user, client, request.GetScopes()));
    }

    public static async Task<IResult> UserInfo(HttpContext context, RealmDefinition realm)
    {
        var result = await context.AuthenticateAsync(OpenIddictScheme);
        var user = realm.FindUserById(result.Principal?.GetClaim(Claims.Subject));
        if (user is null)
        {
            return Results.Challenge(ErrorProperties(Errors.InvalidToken, "The user no longer exists."), [OpenIddictScheme]);
        }

        return Results.Json(new Dictionary<string, object?>
        {
            [Claims.Subject] = user.Id,
            [Claims.PreferredUsername] = user.Username,
            [Claims.Email] = user.Email,
            [Claims.EmailVerified] = user.EmailVerified,
            [Claims.GivenName] = user.FirstName,
            [Claims.FamilyName] = user.LastName,
        });
    }

    public static async Task<IResult> Logout(HttpContext context)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        // OpenIddict redirects to the validated post_logout_redirect_uri, if any, else to the RedirectUri.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictScheme]);
    }

    private static IResult SignIn(ClaimsPrincipal principal) => Results.SignIn(principal, authenticationScheme: OpenIddictScheme);

    /// <summary>A 400 invalid_grant, as Keycloak answers a wrong password.</summary>
    private static IResult InvalidGrant(string description) =>
        Results.Forbid(ErrorProperties(Errors.InvalidGrant, description), [OpenIddictScheme]);

    private static AuthenticationProperties ErrorProperties(string error, string description) => new(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    });
}
