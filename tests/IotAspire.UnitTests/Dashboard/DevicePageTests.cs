using Bunit;
using IotAspire.Dashboard.Components.Pages.Devices;
using IotAspire.Dashboard.Live;

namespace IotAspire.UnitTests.Dashboard;

public sealed class DevicePageTests : DashboardContext
{
    public DevicePageTests()
    {
        Api.Devices.Add(Device("dev-1"));
        Api.ShadowDocument = Shadow(3, """{"led":"on"}""", """{"led":"off"}""");
    }

    [Fact]
    public void Render_AsViewer_HasNoEditDesiredOrCommandControls()
    {
        SignIn("iot-viewer");

        var page = Render(builder => WithPopovers<DevicePage>(builder, b => b.AddAttribute(2, nameof(DevicePage.Id), "dev-1")));

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=shadow-reported]")));
        Assert.Empty(page.FindAll("[data-testid=edit-desired]"));
        Assert.Empty(page.FindAll("[data-testid=send-command]"));
    }

    [Fact]
    public void Render_AsOperator_HasEditDesiredAndCommandControls()
    {
        SignIn("iot-operator");

        var page = Render(builder => WithPopovers<DevicePage>(builder, b => b.AddAttribute(2, nameof(DevicePage.Id), "dev-1")));

        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=edit-desired]")));
        Assert.Single(page.FindAll("[data-testid=send-command]"));
    }

    [Fact]
    public async Task ShadowEvent_NewerVersion_ReplacesTheShownDocument()
    {
        SignIn("iot-viewer");
        var page = Render(builder => WithPopovers<DevicePage>(builder, b => b.AddAttribute(2, nameof(DevicePage.Id), "dev-1")));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("[data-testid=shadow-reported]")));

        await page.InvokeAsync(() => Live.RaiseShadowAsync(new ShadowEvent("dev-1", 4, Shadow(4, """{"led":"on"}""", """{"led":"on"}"""))));

        page.WaitForAssertion(() => Assert.Contains("\"on\"", page.Find("[data-testid=shadow-reported]").TextContent, StringComparison.Ordinal));
        Assert.Contains("version 4", page.Find("[data-testid=shadow-version]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_UnknownDevice_SaysSoInWords()
    {
        SignIn("iot-viewer");

        var page = Render(builder => WithPopovers<DevicePage>(builder, b => b.AddAttribute(2, nameof(DevicePage.Id), "nope")));

        page.WaitForAssertion(() => Assert.Contains("No device has the id 'nope'", page.Find("[data-testid=problem]").TextContent, StringComparison.Ordinal));
    }
}
