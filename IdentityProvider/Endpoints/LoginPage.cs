using System.Security.Claims;
using System.Text.Encodings.Web;
using IotAspire.IdentityProvider.Realm;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace IotAspire.IdentityProvider.Endpoints;

/// <summary>The minimal sign-in form of the browser login: username and password, antiforgery-protected, a cookie session.</summary>
public static class LoginPage
{
    public const string ReturnUrlParameter = "ReturnUrl";

    public static void MapLoginPage(this IEndpointRouteBuilder app, RealmDefinition realm)
    {
        var path = RealmPaths.Login(realm);
        app.MapGet(path, (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
            Form(context, antiforgery, realm, returnUrl, error: null));
        // The antiforgery token is checked explicitly below, so that a failure answers with the form, not an exception.
        app.MapPost(path, Submit).DisableAntiforgery();
    }

    public static async Task<IResult> Submit(HttpContext context, IAntiforgery antiforgery, RealmDefinition realm)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Results.BadRequest("The form has expired or did not come from this page: reload it and try again.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = form[ReturnUrlParameter].ToString();
        var user = realm.FindUser(form["username"]);
        if (user is null || !Secrets.Matches(user.Password, form["password"]))
        {
            return Form(context, antiforgery, realm, returnUrl, "Invalid username or password.");
        }

        var identity = new ClaimsIdentity(CookieAuthenticationDefaults.AuthenticationScheme, Claims.PreferredUsername, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, user.Id));
        identity.AddClaim(new Claim(Claims.PreferredUsername, user.Username));
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));

        // Only back into this provider (the authorization endpoint), never to an address a link could choose.
        return Results.Redirect(IsLocal(returnUrl) ? returnUrl : RealmPaths.Root(realm) + "/account");
    }

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, RealmDefinition realm, string? returnUrl, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = HtmlEncoder.Default;
        var page = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Sign in to {{html.Encode(realm.Name)}}</title>
            <style>body{font-family:sans-serif;max-width:22rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}.error{color:#b00020}</style>
            </head>
            <body>
            <h1>Sign in to {{html.Encode(realm.Name)}}</h1>
            {{(error is null ? "" : $"<p class=\"error\" role=\"alert\">{html.Encode(error)}</p>")}}
            <form method="post" action="{{html.Encode(RealmPaths.Login(realm))}}">
            <input type="hidden" name="{{html.Encode(tokens.FormFieldName)}}" value="{{html.Encode(tokens.RequestToken ?? "")}}">
            <input type="hidden" name="{{ReturnUrlParameter}}" value="{{html.Encode(returnUrl ?? "")}}">
            <label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
            <label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button>
            </form>
            </body>
            </html>
            """;
        return Results.Content(page, "text/html; charset=utf-8", statusCode: error is null ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized);
    }

    /// <summary>A path on this host: "/x", not "//evil" or "/\evil" (which browsers read as another host).</summary>
    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));
}
