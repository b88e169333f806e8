using System.Net.Http.Json;
using Aspire.Hosting.ApplicationModel;
using IotAspire.Core;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using IotAspire.Testing;
using Microsoft.Playwright;

namespace IotAspire.IntegrationTests.Dashboard;

/// <summary>
/// The dashboard in a real headless Chromium against the running stack: people sign in on the provider's login page
/// and use the pages as they would. Screenshots of each page go to bin/.../screenshots/ with the test results.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DashboardTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Dashboard, timeout.Token);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Operator_OnASimulatedDevice_SeesLivePointsChangesDesiredAndGetsThePingAnswer()
    {
        await using var simulator = SimulatorProcess.Start(stack, $"t-dash-{Environment.ProcessId}-{Random.Shared.Next(1000, 9999)}-", devices: 1);
        var id = simulator.DeviceId(1);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, id), count => count > 0, Patience, $"telemetry of {id}");
        await using var browser = await DashboardBrowser.SignInAsync(stack.DashboardAddress, "operator", stack.OperatorPassword);
        var page = browser.Page;
        Assert.Equal("operator", await page.InnerTextAsync("[data-testid=user-role]"));

        await page.GotoAsync(new Uri(stack.DashboardAddress, $"devices/{id}").ToString());
        await browser.WaitLiveAsync();
        var chart = page.Locator("[data-testid=chart][data-metric=temperature]");
        await chart.Locator("canvas").WaitForAsync();
        var before = await PointsAsync(chart);
        // The simulator sends every second: new points reach the open chart without a reload.
        await page.WaitForFunctionAsync(
            "n => Number(document.querySelector('[data-testid=chart][data-metric=temperature]').dataset.points || 0) > n", before,
            new PageWaitForFunctionOptions { Timeout = 20_000 });

        // Desired led=on: the device applies it and reports it back; the page shows the new reported state live.
        await page.ClickAsync("[data-testid=edit-desired]");
        await page.FillAsync("[data-testid=desired-editor] textarea", """{"led": "on"}""");
        await page.ClickAsync("[data-testid=save-desired]");
        await page.Locator("[data-testid=shadow-desired]").Filter(new LocatorFilterOptions { HasText = "\"led\": \"on\"" }).WaitForAsync();
        await page.Locator("[data-testid=shadow-reported]").Filter(new LocatorFilterOptions { HasText = "\"led\": \"on\"" })
            .WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });

        // ping (the default command): the device's answer is shown in the session's history.
        await page.ClickAsync("[data-testid=send-command]");
        var outcome = page.Locator("[data-testid=command-outcome]").First;
        await outcome.Filter(new LocatorFilterOptions { HasText = "200" }).WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        Assert.Contains("pong", await outcome.InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        await browser.ScreenshotAsync(Screenshots, "operator-device-page");
    }

    [Fact]
    public async Task Viewer_OnTheFleetAndADevicePage_IsOfferedNoEditCommandOrAdminControls()
    {
        var id = $"t-dash-view-{Random.Shared.Next(100_000, 999_999)}";
        (await stack.Api.PostAsJsonAsync("/api/devices", new { id, name = "Viewer's device" })).EnsureSuccessStatusCode();
        await using var browser = await DashboardBrowser.SignInAsync(stack.DashboardAddress, "viewer", stack.ViewerPassword);
        var page = browser.Page;
        Assert.Equal("viewer", await page.InnerTextAsync("[data-testid=user-role]"));

        await browser.WaitLiveAsync();
        await page.FillAsync("[data-testid=search] input", id);
        // The search is done when the list holds this device alone.
        await page.WaitForFunctionAsync(
            "id => { const l = document.querySelectorAll('[data-testid=device-link]'); return l.length === 1 && l[0].textContent === id; }", id);
        Assert.Equal(0, await page.Locator("[data-testid=register-device]").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid=revoke]").CountAsync());
        await browser.ScreenshotAsync(Screenshots, "viewer-fleet-page");

        await page.ClickAsync("[data-testid=device-link]");
        await browser.WaitLiveAsync();
        await page.Locator("[data-testid=presence]").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=edit-desired]").CountAsync());
        Assert.Equal(0, await page.Locator("[data-testid=send-command]").CountAsync());
        await browser.ScreenshotAsync(Screenshots, "viewer-device-page");

        // Sign out ends both sessions: the dashboard's and the provider's, so the next visit asks for the password again.
        await page.ClickAsync("text=Sign out");
        await page.Locator("#password").WaitForAsync();
        await page.GotoAsync(stack.DashboardAddress.ToString());
        await page.Locator("#password").WaitForAsync();
    }

    [Fact]
    public async Task Admin_RegistersADevice_PublishesWithTheShownLinesAndSeesTheValue()
    {
        var id = $"t-dash-new-{Random.Shared.Next(100_000, 999_999)}";
        await using var browser = await DashboardBrowser.SignInAsync(stack.DashboardAddress, "admin", stack.AdminPassword);
        var page = browser.Page;
        await browser.WaitLiveAsync();

        await page.ClickAsync("[data-testid=register-device]");
        await page.FillAsync("[data-testid=new-device-id] input", id);
        await page.ClickAsync("[data-testid=register-submit]");
        var telemetryLine = await page.Locator("[data-testid=mosquitto-telemetry]").InnerTextAsync();
        var statusLine = await page.InnerTextAsync("[data-testid=mosquitto-status]");
        await browser.ScreenshotAsync(Screenshots, "admin-registered-device");
        Assert.StartsWith("mosquitto_pub ", telemetryLine, StringComparison.Ordinal);

        // The lines as a person pastes them into a shell.
        foreach (var line in new[] { statusLine, telemetryLine })
        {
            var run = await ProcessRunner.RunAsync("sh", ["-c", line]);
            Assert.True(run.ExitCode == 0, $"'{line}' failed: {run.Error}");
        }

        await page.ClickAsync("[data-testid=register-done]");
        await page.GotoAsync(new Uri(stack.DashboardAddress, $"devices/{id}").ToString());
        await browser.WaitLiveAsync();
        var temperature = page.Locator("[data-testid=latest-value][data-metric=temperature] [data-testid=latest-number]");
        await temperature.WaitForAsync(new LocatorWaitForOptions { Timeout = 20_000 });
        Assert.Equal("21.5", await temperature.InnerTextAsync());
        await page.Locator("[data-testid=status][data-status=online]").First.WaitForAsync();
        await browser.ScreenshotAsync(Screenshots, "admin-new-device-page");
    }

    [Fact]
    public async Task Anonymous_PageGoesToTheLoginAndChartDataIs401()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = stack.DashboardAddress };

        using var page = await http.GetAsync("/devices/x");
        using var data = await http.GetAsync("/bff/devices/x/telemetry?metric=temperature");

        Assert.Equal(System.Net.HttpStatusCode.Redirect, page.StatusCode);
        Assert.StartsWith(new Uri(stack.IdentityAddress, "realms/iot/protocol/openid-connect/auth").ToString(), page.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, data.StatusCode);
    }

    [Fact]
    public async Task DevicePage_ApiRestarts_SaysReconnectingThenIsLiveAgainWithoutAReload()
    {
        var id = $"t-dash-restart-{Random.Shared.Next(100_000, 999_999)}";
        (await stack.Api.PostAsJsonAsync("/api/devices", new { id })).EnsureSuccessStatusCode();
        await using var browser = await DashboardBrowser.SignInAsync(stack.DashboardAddress, "viewer", stack.ViewerPassword);
        var page = browser.Page;
        await page.GotoAsync(new Uri(stack.DashboardAddress, $"devices/{id}").ToString());
        await browser.WaitLiveAsync();

        var replicas = await ApiReplicaIdsAsync();
        try
        {
            // Inside the try: whatever happens, the finally starts them again (the stack is shared with other tests).
            foreach (var replica in replicas)
            {
                var stopped = await stack.App.ResourceCommands.ExecuteCommandAsync(replica, KnownResourceCommands.StopCommand);
                Assert.True(stopped.Success, $"stopping {replica}: {stopped.Message}");
            }

            await page.Locator("[data-testid=live-status][data-state=Reconnecting]").WaitForAsync();
            await browser.ScreenshotAsync(Screenshots, "device-page-api-down");
        }
        finally
        {
            foreach (var replica in replicas)
            {
                var started = await stack.App.ResourceCommands.ExecuteCommandAsync(replica, KnownResourceCommands.StartCommand);
                Assert.True(started.Success, $"starting {replica}: {started.Message}");
            }

            using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            foreach (var name in ApiReplicas.Names)
            {
                await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(name, healthy.Token);
            }
        }

        await page.Locator("[data-testid=live-status][data-state=Live]").WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        // Subscribed again on the new connection: a change made now reaches the open page.
        using var patch = await stack.Api.PatchAsync($"/api/devices/{id}/shadow",
            JsonContent.Create(new { state = new { desired = new { after = "restart" } } }));
        patch.EnsureSuccessStatusCode();
        await page.Locator("[data-testid=shadow-desired]").Filter(new LocatorFilterOptions { HasText = "restart" }).WaitForAsync();
    }

    /// <summary>The resource ids of the Api's replicas (commands go to each instance).</summary>
    private async Task<IReadOnlyList<string>> ApiReplicaIdsAsync()
    {
        var ids = new List<string>();
        foreach (var name in ApiReplicas.Names)
        {
            ids.Add(await ApiReplicas.RunningIdAsync(stack, name));
        }

        return ids;
    }

    private static async Task<int> PointsAsync(ILocator chart) =>
        int.TryParse(await chart.GetAttributeAsync("data-points"), out var points) ? points : 0;
}
