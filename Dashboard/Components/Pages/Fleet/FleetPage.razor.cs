using IotAspire.Dashboard.ApiClient;
using IotAspire.Dashboard.Auth;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using IotAspire.Dashboard.Live;
using MudBlazor;

namespace IotAspire.Dashboard.Components.Pages.Fleet;

/// <summary>
/// The fleet: one page of devices at a time (keyset paging on the Api, so 10,000 devices cost what 50 do), searched,
/// filtered and sorted by the Api, kept live by one hub subscription for the whole page.
/// </summary>
public sealed partial class FleetPage
{
    public const int PageSize = 50;
    private const int KeyValueCount = 3;
    private static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(500);

    private readonly List<string?> _cursors = [];
    private readonly CancellationTokenSource _disposed = new();
    private List<DeviceDto> _devices = [];
    private string? _after;
    private string? _next;
    private string? _search;
    private DeviceStatusFilter _status;
    private DeviceSort _sort;
    private bool _loading = true;
    private ApiProblem? _problem;
    private ILiveDeviceEvents? _live;
    private LiveState _liveState = LiveState.Connecting;
    private Timer? _renderTimer;
    private volatile bool _dirty;
    private int _loadVersion;

    private bool _isAdmin;

    [CascadingParameter] private Task<AuthenticationState>? Authentication { get; set; }

    private bool HasFilter => !string.IsNullOrWhiteSpace(_search) || _status != DeviceStatusFilter.All;

    protected override async Task OnInitializedAsync()
    {
        _isAdmin = Authentication is not null && (await Authentication).User.IsInRole(DashboardRoles.Admin);
        // Live events may come many a second: the table renders at most every RenderInterval.
        _renderTimer = new Timer(_ =>
        {
            if (_dirty)
            {
                _dirty = false;
                _ = InvokeAsync(StateHasChanged);
            }
        }, null, RenderInterval, RenderInterval);
        await LoadAsync();
        await StartLiveAsync();
    }

    private async Task StartLiveAsync()
    {
        try
        {
            _live = await LiveConnections.CreateAsync(_disposed.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        _live.Presence += OnPresenceAsync;
        _live.Telemetry += OnTelemetryAsync;
        _live.StateChanged += state => InvokeAsync(() => { _liveState = state; StateHasChanged(); });
        _live.Resumed += () => InvokeAsync(LoadAsync);
        await _live.WatchAsync(_devices.Select(d => d.Id));
        _live.EnsureStarted();
    }

    private Task ReloadAsync()
    {
        _cursors.Clear();
        _after = null;
        return LoadAsync();
    }

    private Task StatusChangedAsync(DeviceStatusFilter status)
    {
        _status = status;
        return ReloadAsync();
    }

    private Task SortChangedAsync(DeviceSort sort)
    {
        _sort = sort;
        return ReloadAsync();
    }

    private Task NextAsync()
    {
        _cursors.Add(_after);
        _after = _next;
        return LoadAsync();
    }

    private Task PreviousAsync()
    {
        _after = _cursors[^1];
        _cursors.RemoveAt(_cursors.Count - 1);
        return LoadAsync();
    }

    private async Task LoadAsync()
    {
        var version = ++_loadVersion;
        _loading = true;
        var result = await Api.ListDevicesAsync(new DeviceQuery(_search, _status, _sort, _after, PageSize), _disposed.Token);
        if (version != _loadVersion)
        {
            return; // A newer search or page is on its way; this answer is stale.
        }

        _loading = false;
        _problem = result.Problem;
        if (result.Value is { } page)
        {
            _devices = page.Items.ToList();
            _next = page.Next;
        }

        StateHasChanged();
        if (_live is not null)
        {
            await _live.WatchAsync(_devices.Select(d => d.Id));
        }
    }

    private async Task DeviceChangedAsync() => await LoadAsync();

    private async Task RegisterAsync()
    {
        var dialog = await Dialogs.ShowAsync<RegisterDeviceDialog>("Register a device",
            new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        if (result is { Canceled: false })
        {
            await LoadAsync();
        }
    }

    private Task OnPresenceAsync(PresenceEvent presence)
    {
        Update(presence.DeviceId, device => device with
        {
            Online = presence.Online,
            LastConnected = presence.Online ? presence.At ?? device.LastConnected : device.LastConnected,
            LastDisconnected = presence.Online ? device.LastDisconnected : presence.At ?? device.LastDisconnected,
        });
        return Task.CompletedTask;
    }

    private Task OnTelemetryAsync(TelemetryEvent telemetry)
    {
        Update(telemetry.DeviceId, device =>
        {
            var latest = (device.Latest ?? []).ToDictionary(v => v.Name, StringComparer.Ordinal);
            var lastSeen = device.LastSeen;
            foreach (var point in telemetry.Values)
            {
                if (!latest.TryGetValue(point.Name, out var known) || known.LastTimestamp <= point.T)
                {
                    latest[point.Name] = new MetricDto(point.Name, point.Value, point.T);
                }

                lastSeen = lastSeen is null || point.T > lastSeen ? point.T : lastSeen;
            }

            return device with { Latest = latest.Values.OrderBy(v => v.Name, StringComparer.Ordinal).ToList(), LastSeen = lastSeen };
        });
        return Task.CompletedTask;
    }

    /// <summary>Events arrive on the hub's thread: the list is replaced under the renderer's dispatcher.</summary>
    private void Update(string deviceId, Func<DeviceDto, DeviceDto> change) =>
        _ = InvokeAsync(() =>
        {
            var index = _devices.FindIndex(d => d.Id == deviceId);
            if (index >= 0)
            {
                _devices[index] = change(_devices[index]);
                _dirty = true;
            }
        });

    /// <summary>The first few numeric values by name: what fits a row on a phone.</summary>
    private static IEnumerable<MetricDto> KeyValues(DeviceDto device) =>
        (device.Latest ?? []).Where(v => v.LastValue.ValueKind == System.Text.Json.JsonValueKind.Number).Take(KeyValueCount);

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        if (_renderTimer is not null)
        {
            await _renderTimer.DisposeAsync();
        }

        if (_live is not null)
        {
            await _live.DisposeAsync();
        }

        _disposed.Dispose();
    }
}
