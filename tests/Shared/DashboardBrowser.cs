using System.Diagnostics;
using Microsoft.Playwright;

namespace IotAspire.Testing;

/// <summary>
/// A signed-in headless Chromium on the dashboard (Debian's browser, no download): the user goes through the provider's
/// login page as a person would. Shared by the end-to-end tests and the dashboard benchmark.
/// </summary>
public sealed class DashboardBrowser : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page, Uri dashboard)
    {
        _playwright = playwright;
        _browser = browser;
        Page = page;
        Dashboard = dashboard;
        Page.Response += (_, response) =>
        {
            if (response.Status == 401)
            {
                Interlocked.Increment(ref _unauthorized);
            }
        };
    }

    private int _unauthorized;

    public IPage Page { get; }
    public Uri Dashboard { get; }

    /// <summary>Answers 401 the browser saw (pages, chart data).</summary>
    public int Unauthorized => _unauthorized;

    public static async Task<DashboardBrowser> SignInAsync(Uri dashboard, string user, string password)
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 900 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(dashboard.ToString());
        // Not signed in: the dashboard sends the browser to the provider's login page.
        await page.FillAsync("#username", user);
        await page.FillAsync("#password", password);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(url => url.StartsWith(dashboard.ToString(), StringComparison.Ordinal));
        await page.WaitForSelectorAsync("[data-testid=user-name]");
        return new DashboardBrowser(playwright, browser, page, dashboard);
    }

    /// <summary>Until the page's circuit and hub connection are up (the live chip says Live).</summary>
    public Task WaitLiveAsync() =>
        Page.WaitForSelectorAsync("[data-testid=live-status][data-state=Live]", new PageWaitForSelectorOptions { Timeout = 30_000 });

    public async Task<double> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>A full-page PNG, named after what it shows.</summary>
    public async Task<string> ScreenshotAsync(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public Task<string> FirstDeviceAsync() => Page.Locator("[data-testid=device-link]").First.InnerTextAsync();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
