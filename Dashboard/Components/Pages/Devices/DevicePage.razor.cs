using System.Text.Json.Nodes;
using IotAspire.Dashboard.ApiClient;
using IotAspire.Dashboard.Live;
using Microsoft.AspNetCore.Components;

namespace IotAspire.Dashboard.Components.Pages.Devices;

/// <summary>
/// One device: charts, latest values, presence, shadow and commands, all kept live by one hub subscription. A reconnect
/// (an Api restart, a renewed token) reloads what the page shows, since events of the gap were missed.
/// </summary>
public sealed partial class DevicePage
{
    private readonly CancellationTokenSource _disposed = new();
    private DeviceDto? _device;
    private List<MetricDto>? _metrics;
    private JsonObject? _shadow;
    private string? _shadowMissing;
    private ApiProblem? _problem;
    private MetricCharts? _charts;
    private ILiveDeviceEvents? _live;
    private LiveState _liveState = LiveState.Connecting;
    private List<PresenceEvent> _presenceSeen = [];
    private IReadOnlyList<string> _chartMetrics = [];

    [Parameter] public string Id { get; set; } = "";

    private IReadOnlyList<string> ChartMetrics => _chartMetrics;

    protected override async Task OnInitializedAsync()
    {
        await LoadAsync();
        if (_device is null)
        {
            return;
        }

        try
        {
            _live = await LiveConnections.CreateAsync(_disposed.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _live.Telemetry += e => InvokeAsync(() => OnTelemetryAsync(e));
        _live.Shadow += e => InvokeAsync(() => OnShadow(e));
        _live.Presence += e => InvokeAsync(() => OnPresence(e));
        _live.StateChanged += state => InvokeAsync(() => { _liveState = state; StateHasChanged(); });
        _live.Resumed += () => InvokeAsync(async () =>
        {
            await LoadAsync();
            if (_charts is not null)
            {
                await _charts.LoadAsync();
            }
        });
        await _live.WatchAsync([Id]);
        _live.EnsureStarted();
    }

    private async Task LoadAsync()
    {
        var device = Api.GetDeviceAsync(Id, _disposed.Token);
        var metrics = Api.GetMetricsAsync(Id, _disposed.Token);
        var shadow = Api.GetShadowAsync(Id, _disposed.Token);
        var (deviceResult, metricsResult, shadowResult) = (await device, await metrics, await shadow);
        _problem = deviceResult.Problem ?? metricsResult.Problem;
        _device = deviceResult.Value ?? _device;
        if (metricsResult.Value is { } list)
        {
            _metrics = list.ToList();
            // The chart list is fixed once shown: a metric that appears later is charted after a reload.
            if (_chartMetrics.Count == 0)
            {
                _chartMetrics = NumericMetrics(_metrics);
            }
        }

        _shadow = shadowResult.Value ?? _shadow;
        _shadowMissing = shadowResult.Problem?.Status == 404 ? "This device has no shadow yet." : shadowResult.Problem?.Message;
        StateHasChanged();
    }

    private static List<string> NumericMetrics(IEnumerable<MetricDto> metrics) => metrics
        .Where(m => m.LastValue.ValueKind is System.Text.Json.JsonValueKind.Number or System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False)
        .Select(m => m.Name)
        .Take(MetricCharts.MaxMetrics)
        .ToList();

    private async Task OnTelemetryAsync(TelemetryEvent telemetry)
    {
        if (telemetry.DeviceId != Id)
        {
            return;
        }

        var metrics = _metrics ?? [];
        foreach (var point in telemetry.Values)
        {
            var index = metrics.FindIndex(m => m.Name == point.Name);
            if (index < 0)
            {
                metrics.Add(new MetricDto(point.Name, point.Value, point.T));
            }
            else if (metrics[index].LastTimestamp <= point.T)
            {
                metrics[index] = new MetricDto(point.Name, point.Value, point.T);
            }
        }

        _metrics = metrics.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
        if (_device is not null && telemetry.Values.Count > 0)
        {
            var newest = telemetry.Values.Max(v => v.T);
            _device = _device with { LastSeen = _device.LastSeen is { } seen && seen > newest ? seen : newest };
        }

        if (_chartMetrics.Count == 0 && NumericMetrics(_metrics) is { Count: > 0 } first)
        {
            _chartMetrics = first; // The first numeric telemetry of a new device: charts appear.
        }

        if (_charts is not null)
        {
            await _charts.AppendLiveAsync(telemetry.Values);
        }

        StateHasChanged();
    }

    private void OnShadow(ShadowEvent shadow)
    {
        var current = _shadow?["version"]?.GetValue<long>() ?? -1;
        if (shadow.DeviceId == Id && shadow.Document is not null && shadow.Version >= current)
        {
            _shadow = shadow.Document;
            _shadowMissing = null;
            StateHasChanged();
        }
    }

    private void OnPresence(PresenceEvent presence)
    {
        if (presence.DeviceId != Id || _device is null)
        {
            return;
        }

        _device = _device with
        {
            Online = presence.Online,
            LastConnected = presence.Online ? presence.At ?? _device.LastConnected : _device.LastConnected,
            LastDisconnected = presence.Online ? _device.LastDisconnected : presence.At ?? _device.LastDisconnected,
        };
        _presenceSeen = [presence, .. _presenceSeen.Take(19)];
        StateHasChanged();
    }

    private void ShadowChanged(JsonObject document)
    {
        var current = _shadow?["version"]?.GetValue<long>() ?? -1;
        if ((document["version"]?.GetValue<long>() ?? 0) >= current)
        {
            _shadow = document;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        if (_live is not null)
        {
            await _live.DisposeAsync();
        }

        _disposed.Dispose();
    }
}
