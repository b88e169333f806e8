using System.Text.Json;
using Bunit;
using IotAspire.Dashboard.Components.Charts;
using IotAspire.Dashboard.Components.Pages.Devices;

namespace IotAspire.UnitTests.Dashboard;

/// <summary>The range the user picks (or zooms to) decides the resolution the charts load, for the chart's width.</summary>
public sealed class MetricChartsTests : DashboardContext
{
    private readonly BunitJSModuleInterop _module;

    public MetricChartsTests()
    {
        SignIn("iot-viewer");
        _module = JSInterop.SetupModule(TimeSeriesChart.ModulePath);
        _module.Setup<int>("createChart", _ => true).SetResult(1000);
    }

    [Fact]
    public void Load_DefaultLastFifteenMinutesOnAThousandPixels_AsksRawPointsAtTwoPerPixel()
    {
        var charts = RenderCharts();

        charts.WaitForAssertion(() => Assert.NotNull(charts.FindComponent<MetricCharts>().Instance.LastPlan));
        var plan = charts.FindComponent<MetricCharts>().Instance.LastPlan!;
        Assert.Equal("raw", plan.Interval);
        Assert.Equal(2000, plan.RawLimit);
        Assert.Null(plan.Fallback); // Even a 1 Hz device fits: 900 points.
        var load = _module.Invocations["loadCharts"].Single();
        Assert.Equal(true, load.Arguments[6]); // Live: the range ends now.
    }

    [Fact]
    public async Task Zoom_ToTenMinutes_LoadsRawPointsForThatRangeOnly()
    {
        var charts = RenderCharts();
        charts.WaitForAssertion(() => Assert.Single(_module.Invocations["loadCharts"]));
        var to = DateTimeOffset.UtcNow.AddHours(-2);

        await charts.InvokeAsync(() => charts.FindComponent<TimeSeriesChart>().Instance.OnZoom(to.AddMinutes(-10).ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds()));

        charts.WaitForAssertion(() => Assert.Equal(2, _module.Invocations["loadCharts"].Count));
        var load = _module.Invocations["loadCharts"][1];
        Assert.Equal(to.ToUnixTimeMilliseconds(), load.Arguments[4]);
        Assert.Equal(new ChartPlanArguments("raw", null), ChartPlanArguments.From(load.Arguments[5]));
        Assert.Equal(false, load.Arguments[6]); // A fixed range: no live points.
    }

    private IRenderedComponent<Bunit.Rendering.ContainerFragment> RenderCharts() =>
        Render(builder => WithPopovers<MetricCharts>(builder, b =>
        {
            b.AddAttribute(2, nameof(MetricCharts.DeviceId), "dev-1");
            b.AddAttribute(3, nameof(MetricCharts.Metrics), (IReadOnlyList<string>)["temperature"]);
        }));

    /// <summary>The plan as it goes to the module (an anonymous object).</summary>
    private sealed record ChartPlanArguments(string Interval, string? Fallback)
    {
        public static ChartPlanArguments From(object? plan)
        {
            var json = JsonSerializer.SerializeToElement(plan);
            return new(json.GetProperty("interval").GetString()!, json.GetProperty("fallback").GetString());
        }
    }
}
