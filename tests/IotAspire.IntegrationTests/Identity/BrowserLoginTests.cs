using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.Playwright;

namespace IotAspire.IntegrationTests.Identity;

/// <summary>
/// A person signs in with a real browser (Chromium, headless) on the local provider's login page: authorization code
/// with PKCE for the dashboard's client, and the token it gives works in the Api.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BrowserLoginTests(StackFixture stack)
{
    [Fact]
    public async Task Login_InChromiumWithPkce_GivesATokenTheApiAccepts()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var state = Guid.NewGuid().ToString("N");
        var authorize = new Uri(stack.IdentityAddress,
            "realms/iot/protocol/openid-connect/auth?client_id=iot-dashboard&response_type=code&scope=openid%20profile"
            + $"&redirect_uri={Uri.EscapeDataString(stack.DashboardRedirectUri)}&code_challenge={challenge}&code_challenge_method=S256&state={state}");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox"], // CI runs as root.
        });
        var page = await browser.NewPageAsync();
        // The test stands in for the dashboard: it notes the redirect to the client's redirect URI and redeems the code
        // itself. (The dashboard gets the request too and refuses it: the state is not one it issued, so it never
        // redeems the code. A route handler does not see this cross-origin redirect of a navigation.)
        var callback = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(stack.DashboardRedirectUri, StringComparison.Ordinal))
            {
                callback.TrySetResult(new Uri(request.Url));
            }
        };

        await page.GotoAsync(authorize.ToString());
        await page.FillAsync("#username", "operator");
        await page.FillAsync("#password", stack.OperatorPassword);
        await page.ClickAsync("button[type=submit]");
        var redirected = await callback.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var query = System.Web.HttpUtility.ParseQueryString(redirected.Query);
        Assert.Equal(state, query["state"]);
        var token = await stack.Tokens.RequestAsync(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["client_id"] = "iot-dashboard",
            ["code"] = query["code"]!,
            ["redirect_uri"] = stack.DashboardRedirectUri,
            ["code_verifier"] = verifier,
        });
        using var api = new HttpClient { BaseAddress = stack.ApiAddress };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/devices?limit=1")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.PostAsync("/api/devices", JsonContent("""{"id":"t-browser-op"}"""))).StatusCode);
    }

    [Fact]
    public async Task Login_InChromiumWithWrongPassword_StaysOnTheLoginPageWithoutCode()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var page = await browser.NewPageAsync();
        var redirected = false;
        page.Request += (_, request) => redirected |= request.Url.StartsWith(stack.DashboardRedirectUri, StringComparison.Ordinal);
        var challenge = Base64Url(SHA256.HashData(RandomNumberGenerator.GetBytes(32)));

        await page.GotoAsync(new Uri(stack.IdentityAddress,
            "realms/iot/protocol/openid-connect/auth?client_id=iot-dashboard&response_type=code&scope=openid"
            + $"&redirect_uri={Uri.EscapeDataString(stack.DashboardRedirectUri)}&code_challenge={challenge}&code_challenge_method=S256").ToString());
        await page.FillAsync("#username", "operator");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.False(redirected);
        Assert.Equal(1, await page.Locator("#password").CountAsync());
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
