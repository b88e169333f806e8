using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Identity;

/// <summary>The local OpenID Connect provider (executables mode) against Keycloak's paths, grants and token shape.</summary>
[Collection(StackCollection.Name)]
public sealed partial class IdentityProviderTests(StackFixture stack)
{
    private const string Realm = "realms/iot";
    private const string TokenPath = Realm + "/protocol/openid-connect/token";

    private string Issuer => new Uri(stack.IdentityAddress, Realm).ToString();

    [Fact]
    public async Task Discovery_Get_HasKeycloakIssuerAndEndpoints()
    {
        using var http = NewClient();
        using var discovery = JsonDocument.Parse(await http.GetStringAsync($"{Realm}/.well-known/openid-configuration"));
        var root = discovery.RootElement;

        Assert.Equal(Issuer, root.GetProperty("issuer").GetString());
        Assert.Equal($"{Issuer}/protocol/openid-connect/token", root.GetProperty("token_endpoint").GetString());
        Assert.Equal($"{Issuer}/protocol/openid-connect/auth", root.GetProperty("authorization_endpoint").GetString());
        Assert.Equal($"{Issuer}/protocol/openid-connect/certs", root.GetProperty("jwks_uri").GetString());

        using var jwks = JsonDocument.Parse(await http.GetStringAsync(root.GetProperty("jwks_uri").GetString()));
        Assert.Contains(jwks.RootElement.GetProperty("keys").EnumerateArray(), key =>
            key.GetProperty("kty").GetString() == "RSA" && key.GetProperty("alg").GetString() == "RS256");
    }

    [Theory]
    [InlineData("admin", "iot-admin")]
    [InlineData("operator", "iot-operator")]
    [InlineData("viewer", "iot-viewer")]
    public async Task PasswordGrant_EachUser_TokenHasKeycloakShape(string user, string role)
    {
        var answer = await TokenAsync(new() { ["grant_type"] = "password", ["client_id"] = "iot-cli", ["username"] = user, ["password"] = PasswordOf(user) });

        var claims = Payload(answer.GetProperty("access_token").GetString()!);
        Assert.Equal(Issuer, claims.GetProperty("iss").GetString());
        Assert.Contains("iot-api", Audiences(claims));
        Assert.Equal(user, claims.GetProperty("preferred_username").GetString());
        Assert.Equal("iot-cli", claims.GetProperty("azp").GetString());
        Assert.Equal([role], claims.GetProperty("realm_access").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.False(string.IsNullOrEmpty(claims.GetProperty("sub").GetString()));
        Assert.InRange(claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64(), 60, 300);
        Assert.Equal("RS256", Header(answer.GetProperty("access_token").GetString()!).GetProperty("alg").GetString());
    }

    [Fact]
    public async Task PasswordGrant_WrongPassword_Returns400InvalidGrant()
    {
        var (status, body) = await PostTokenAsync(new() { ["grant_type"] = "password", ["client_id"] = "iot-cli", ["username"] = "admin", ["password"] = "wrong" + stack.AdminPassword });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task PasswordGrant_DashboardClient_IsRefused()
    {
        var (status, body) = await PostTokenAsync(new() { ["grant_type"] = "password", ["client_id"] = "iot-dashboard", ["username"] = "admin", ["password"] = stack.AdminPassword });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("unauthorized_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task ClientCredentials_ServiceClient_TokenIsServiceAccountWithAdminRole()
    {
        var answer = await TokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "iot-service", ["client_secret"] = stack.ServiceClientSecret });

        var claims = Payload(answer.GetProperty("access_token").GetString()!);
        Assert.Equal("service-account-iot-service", claims.GetProperty("preferred_username").GetString());
        Assert.Equal("iot-service", claims.GetProperty("azp").GetString());
        Assert.Contains("iot-api", Audiences(claims));
        Assert.Contains("iot-admin", claims.GetProperty("realm_access").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task ClientCredentials_WrongSecret_Returns401InvalidClient()
    {
        var (status, body) = await PostTokenAsync(new() { ["grant_type"] = "client_credentials", ["client_id"] = "iot-service", ["client_secret"] = "wrong" });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_client", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task RefreshToken_FromPasswordGrant_GivesNewAccessToken()
    {
        var first = await TokenAsync(new() { ["grant_type"] = "password", ["client_id"] = "iot-cli", ["username"] = "operator", ["password"] = stack.OperatorPassword });

        var refreshed = await TokenAsync(new() { ["grant_type"] = "refresh_token", ["client_id"] = "iot-cli", ["refresh_token"] = first.GetProperty("refresh_token").GetString()! });

        var claims = Payload(refreshed.GetProperty("access_token").GetString()!);
        Assert.NotEqual(first.GetProperty("access_token").GetString(), refreshed.GetProperty("access_token").GetString());
        Assert.Equal("operator", claims.GetProperty("preferred_username").GetString());
        Assert.Equal(["iot-operator"], claims.GetProperty("realm_access").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task AuthorizationCode_BrowserLoginWithPkce_GivesViewerToken()
    {
        using var cookies = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(cookies) { BaseAddress = stack.IdentityAddress };
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var redirectUri = stack.DashboardRedirectUri;
        var authorize = $"{Realm}/protocol/openid-connect/auth?client_id=iot-dashboard&response_type=code&scope=openid%20profile" +
            $"&redirect_uri={Uri.EscapeDataString(redirectUri)}&code_challenge={challenge}&code_challenge_method=S256&state=xyz";

        // Not signed in: to the login form.
        using var toLogin = await browser.GetAsync(authorize);
        Assert.Equal(HttpStatusCode.Redirect, toLogin.StatusCode);
        var form = await browser.GetStringAsync(toLogin.Headers.Location);
        var fields = HiddenFields(form);
        fields["username"] = "viewer";
        fields["password"] = stack.ViewerPassword;

        // Signed in: back to the authorization endpoint, which redirects to the client with a code.
        using var signedIn = await browser.PostAsync(FormAction(form), new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        using var toClient = await browser.GetAsync(signedIn.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, toClient.StatusCode);
        var callback = toClient.Headers.Location!;
        Assert.StartsWith(redirectUri, callback.ToString(), StringComparison.Ordinal);
        var code = QueryValue(callback, "code");
        Assert.Equal("xyz", QueryValue(callback, "state"));

        var answer = await TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = "iot-dashboard", ["code"] = code,
            ["redirect_uri"] = redirectUri, ["code_verifier"] = verifier,
        });

        var claims = Payload(answer.GetProperty("access_token").GetString()!);
        Assert.Equal("viewer", claims.GetProperty("preferred_username").GetString());
        Assert.Equal("iot-dashboard", claims.GetProperty("azp").GetString());
        Assert.Equal(["iot-viewer"], claims.GetProperty("realm_access").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.True(answer.TryGetProperty("refresh_token", out _));
    }

    [Fact]
    public async Task AuthorizationCode_WrongVerifier_Returns400InvalidGrant()
    {
        // The PKCE check is what stops a stolen code: a wrong verifier must not redeem it.
        using var cookies = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() };
        using var browser = new HttpClient(cookies) { BaseAddress = stack.IdentityAddress };
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes("the-right-verifier-the-right-verifier-0123")));
        var redirectUri = stack.DashboardRedirectUri;
        var authorize = $"{Realm}/protocol/openid-connect/auth?client_id=iot-dashboard&response_type=code&scope=openid" +
            $"&redirect_uri={Uri.EscapeDataString(redirectUri)}&code_challenge={challenge}&code_challenge_method=S256";
        using var toLogin = await browser.GetAsync(authorize);
        var form = await browser.GetStringAsync(toLogin.Headers.Location);
        var fields = HiddenFields(form);
        fields["username"] = "viewer";
        fields["password"] = stack.ViewerPassword;
        using var signedIn = await browser.PostAsync(FormAction(form), new FormUrlEncodedContent(fields));
        using var toClient = await browser.GetAsync(signedIn.Headers.Location);
        var code = QueryValue(toClient.Headers.Location!, "code");

        var (status, body) = await PostTokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["client_id"] = "iot-dashboard", ["code"] = code,
            ["redirect_uri"] = redirectUri, ["code_verifier"] = "a-wrong-verifier-a-wrong-verifier-a-wrong-0123",
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Authorize_RedirectUriNotInRealm_IsRefused()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = stack.IdentityAddress };
        var authorize = $"{Realm}/protocol/openid-connect/auth?client_id=iot-dashboard&response_type=code&scope=openid" +
            $"&redirect_uri={Uri.EscapeDataString("https://evil.example/cb")}&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghij123&code_challenge_method=S256";

        using var response = await http.GetAsync(authorize);

        // An error page of the provider, never a redirect to the foreign address.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task LoginForm_PostWithoutAntiforgeryToken_IsRejected()
    {
        using var http = NewClient();

        using var response = await http.PostAsync($"{Realm}/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["username"] = "admin", ["password"] = stack.AdminPassword, ["ReturnUrl"] = "/",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers, h => h.Key == "Set-Cookie" && h.Value.Any(v => v.StartsWith("iot-identity-session", StringComparison.Ordinal)));
    }

    private string PasswordOf(string user) => user switch
    {
        "admin" => stack.AdminPassword,
        "operator" => stack.OperatorPassword,
        "viewer" => stack.ViewerPassword,
        _ => throw new ArgumentException(user),
    };

    private HttpClient NewClient() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = stack.IdentityAddress };

    private async Task<JsonElement> TokenAsync(Dictionary<string, string> form)
    {
        var (status, body) = await PostTokenAsync(form);
        Assert.True(status == HttpStatusCode.OK, $"token endpoint: {(int)status} {body}");
        return body;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostTokenAsync(Dictionary<string, string> form)
    {
        using var http = NewClient();
        using var response = await http.PostAsync(TokenPath, new FormUrlEncodedContent(form));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static JsonElement Header(string jwt) => Decode(jwt.Split('.')[0]);

    private static JsonElement Payload(string jwt) => Decode(jwt.Split('.')[1]);

    private static JsonElement Decode(string part)
    {
        var base64 = part.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        using var document = JsonDocument.Parse(Convert.FromBase64String(base64));
        return document.RootElement.Clone();
    }

    private static IEnumerable<string?> Audiences(JsonElement claims) =>
        claims.GetProperty("aud") is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().Select(a => a.GetString()) : [claims.GetProperty("aud").GetString()];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string QueryValue(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == name).Select(p => Uri.UnescapeDataString(p[1])).Single();

    private static Dictionary<string, string> HiddenFields(string html) =>
        HiddenInput().Matches(html).ToDictionary(m => WebUtility.HtmlDecode(m.Groups[1].Value), m => WebUtility.HtmlDecode(m.Groups[2].Value));

    private static string FormAction(string html) => WebUtility.HtmlDecode(FormActionAttribute().Match(html).Groups[1].Value);

    [GeneratedRegex("<input type=\"hidden\" name=\"([^\"]+)\" value=\"([^\"]*)\">")]
    private static partial Regex HiddenInput();

    [GeneratedRegex("<form method=\"post\" action=\"([^\"]+)\">")]
    private static partial Regex FormActionAttribute();
}
