using System.Text.Json.Nodes;
using Bunit;
using IotAspire.Dashboard.ApiClient;
using IotAspire.Dashboard.Components.Pages.Devices;

namespace IotAspire.UnitTests.Dashboard;

public sealed class ShadowPanelTests : DashboardContext
{
    [Fact]
    public void Save_EditedDesired_SendsTheChangesWithTheVersionTheEditorOpenedAt()
    {
        SignIn("iot-operator");
        var panel = RenderPanel(Shadow(7, """{"led":"on","interval":5}""", "{}"));

        panel.Find("[data-testid=edit-desired]").Click();
        panel.Find("[data-testid=desired-editor] textarea").Input("""{"led":"off"}""");
        panel.Find("[data-testid=save-desired]").Click();

        var (patch, version) = Assert.Single(Api.Updates);
        Assert.Equal(7, version);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"led":"off","interval":null}"""), patch), patch.ToJsonString());
    }

    [Fact]
    public void Save_VersionConflict_SaysSoShowsTheNewDocumentAndKeepsTheEdit()
    {
        SignIn("iot-operator");
        JsonObject? shown = null;
        Api.ShadowDocument = Shadow(9, """{"led":"blink"}""", """{"led":"blink"}""");
        Api.UpdateAnswer = ApiResult<JsonObject>.Failure(new ApiProblem(409, "Version conflict", "Version 7 is not the current version 9."));
        var panel = Render<ShadowPanel>(parameters => parameters
            .Add(p => p.DeviceId, "dev-1")
            .Add(p => p.Document, Shadow(7, """{"led":"on"}""", "{}"))
            .Add(p => p.DocumentChanged, document => shown = document));

        panel.Find("[data-testid=edit-desired]").Click();
        panel.Find("[data-testid=desired-editor] textarea").Input("""{"led":"off"}""");
        panel.Find("[data-testid=save-desired]").Click();

        panel.WaitForAssertion(() => Assert.Contains("version 9", panel.Find("[data-testid=shadow-conflict]").TextContent, StringComparison.Ordinal));
        Assert.Equal(9, shown?["version"]?.GetValue<long>());
        Assert.Contains("\"off\"", panel.Find("[data-testid=desired-editor] textarea").GetAttribute("value") ?? "", StringComparison.Ordinal);
        Assert.Contains("(version 9)", panel.Find("[data-testid=save-desired]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_NotAnObject_SaysSoAndSendsNothing()
    {
        SignIn("iot-operator");
        var panel = RenderPanel(Shadow(1, "{}", "{}"));

        panel.Find("[data-testid=edit-desired]").Click();
        panel.Find("[data-testid=desired-editor] textarea").Input("[1, 2]");
        panel.Find("[data-testid=save-desired]").Click();

        Assert.Contains("must be a JSON object", panel.Find("[data-testid=problem]").TextContent, StringComparison.Ordinal);
        Assert.Empty(Api.Updates);
    }

    [Fact]
    public void Render_AsViewer_HasNoEditButton()
    {
        SignIn("iot-viewer");

        var panel = RenderPanel(Shadow(1, "{}", "{}"));

        Assert.Empty(panel.FindAll("[data-testid=edit-desired]"));
    }

    private IRenderedComponent<ShadowPanel> RenderPanel(JsonObject document) =>
        Render<ShadowPanel>(parameters => parameters.Add(p => p.DeviceId, "dev-1").Add(p => p.Document, document));
}
