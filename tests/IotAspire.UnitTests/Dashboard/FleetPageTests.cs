using Bunit;
using IotAspire.Dashboard.Components.Pages.Fleet;
using IotAspire.Dashboard.Live;

namespace IotAspire.UnitTests.Dashboard;

public sealed class FleetPageTests : DashboardContext
{
    [Fact]
    public void Render_AsViewer_OffersNoRegisterRotateOrRevoke()
    {
        SignIn("iot-viewer");
        Api.Devices.Add(Device("dev-1"));

        var page = Render(builder => WithPopovers<FleetPage>(builder));

        Assert.Single(page.FindAll("[data-testid=device-link]"));
        Assert.Empty(page.FindAll("[data-testid=register-device]"));
        Assert.Empty(page.FindAll("[data-testid=revoke]"));
        Assert.Empty(page.FindAll("[data-testid=rotate]"));
    }

    [Fact]
    public void Render_AsAdmin_OffersRegisterRotateAndRevoke()
    {
        SignIn("iot-admin");
        Api.Devices.Add(Device("dev-1"));

        var page = Render(builder => WithPopovers<FleetPage>(builder));

        Assert.Single(page.FindAll("[data-testid=register-device]"));
        Assert.Single(page.FindAll("[data-testid=revoke]"));
        Assert.Single(page.FindAll("[data-testid=rotate]"));
    }

    [Fact]
    public void Render_PageOfDevices_WatchesTheWholePageWithOneConnection()
    {
        SignIn("iot-viewer");
        Api.Devices.AddRange([Device("dev-1"), Device("dev-2"), Device("dev-3")]);

        Render(builder => WithPopovers<FleetPage>(builder));

        Assert.Contains(Live.Watched, ids => ids.SequenceEqual(["dev-1", "dev-2", "dev-3"]));
        Assert.Equal(LiveState.Live, Live.State);
    }

    [Fact]
    public async Task PresenceEvent_DeviceGoesOffline_RowSaysOfflineSince()
    {
        SignIn("iot-viewer");
        Api.Devices.Add(Device("dev-1", online: true));
        var page = Render(builder => WithPopovers<FleetPage>(builder));

        await page.InvokeAsync(() => Live.RaisePresenceAsync(new PresenceEvent("dev-1", false, DateTime.UtcNow.AddSeconds(-5))));

        page.WaitForAssertion(() =>
        {
            Assert.Equal("offline", page.Find("[data-testid=status]").GetAttribute("data-status"));
            Assert.Contains("offline since", page.Markup, StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(3));
    }
}
