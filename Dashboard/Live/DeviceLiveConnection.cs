using System.Text.Json;
using System.Text.Json.Nodes;
using IotAspire.Dashboard.Auth;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace IotAspire.Dashboard.Live;

/// <summary>
/// One hub connection per page view, for any number of watched devices (SubscribeDevices with the whole page).
/// It reconnects by itself, forever, with back-off (an Api restart, a token that expired: the hub closes the
/// connection then, and the next one gets a fresh token), and subscribes again to what was watched.
/// </summary>
public sealed partial class DeviceLiveConnection : ILiveDeviceEvents
{
    private const int MaxIdsPerCall = 200;
    private readonly HubConnection _hub;
    private readonly UserTokens _tokens;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _subscriptions = new(1, 1);
    private HashSet<string> _watched = new(StringComparer.Ordinal);
    private Task? _starting;

    public DeviceLiveConnection(Uri hubUrl, UserTokens tokens, ILogger logger)
    {
        _tokens = tokens;
        _logger = logger;
        _hub = new HubConnectionBuilder()
            .WithUrl(hubUrl, options =>
            {
                // Default negotiation and transports: the gateway keeps negotiate and connection on one replica (cookie).
                options.AccessTokenProvider = () => _tokens.GetAccessTokenAsync(_stopping.Token);
            })
            .WithAutomaticReconnect(new ForeverRetryPolicy())
            .Build();

        _hub.On<JsonElement>("telemetry", OnTelemetry);
        _hub.On<JsonElement>("shadow", OnShadow);
        _hub.On<JsonElement>("presence", OnPresence);
        _hub.Reconnecting += _ => SetState(LiveState.Reconnecting);
        _hub.Reconnected += async _ =>
        {
            await ResubscribeAsync();
            await SetState(LiveState.Live);
            if (Resumed is { } resumed)
            {
                await resumed(); // Events sent while away are lost: pages reload what they show.
            }
        };
        _hub.Closed += async _ =>
        {
            // Automatic reconnect gave up or never began (the first connect failed): start over unless the page is gone.
            if (!_stopping.IsCancellationRequested)
            {
                await SetState(_tokens.IsSessionExpired ? LiveState.SignedOut : LiveState.Reconnecting);
                EnsureStarted(restart: true);
            }
        };
    }

    public LiveState State { get; private set; } = LiveState.Connecting;

    public event Func<TelemetryEvent, Task>? Telemetry;
    public event Func<ShadowEvent, Task>? Shadow;
    public event Func<PresenceEvent, Task>? Presence;
    public event Func<LiveState, Task>? StateChanged;

    public event Func<Task>? Resumed;

    public void EnsureStarted(bool restart = false)
    {
        if (_starting is null || restart)
        {
            _starting = ConnectLoopAsync(restart);
        }
    }

    public async Task WatchAsync(IEnumerable<string> deviceIds)
    {
        var wanted = new HashSet<string>(deviceIds, StringComparer.Ordinal);
        await _subscriptions.WaitAsync(_stopping.Token);
        try
        {
            var removed = _watched.Except(wanted).ToList();
            var added = wanted.Except(_watched).ToList();
            _watched = wanted;
            if (_hub.State != HubConnectionState.Connected)
            {
                return; // Subscribed on connect.
            }

            await InvokeInChunksAsync("UnsubscribeDevices", removed);
            await InvokeInChunksAsync("SubscribeDevices", added);
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException or IOException)
        {
            LogSubscribeFailed(ex.Message); // The next reconnect subscribes again.
        }
        finally
        {
            _subscriptions.Release();
        }
    }

    private async Task ConnectLoopAsync(bool afterClose)
    {
        var delay = afterClose ? TimeSpan.FromSeconds(1) : TimeSpan.Zero;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, _stopping.Token);
                if (_hub.State == HubConnectionState.Disconnected)
                {
                    await _hub.StartAsync(_stopping.Token);
                }

                await ResubscribeAsync();
                await SetState(LiveState.Live);
                if (afterClose && Resumed is { } resumed)
                {
                    await resumed();
                }

                return;
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogConnectFailed(ex.Message);
                await SetState(_tokens.IsSessionExpired ? LiveState.SignedOut : LiveState.Reconnecting);
                delay = TimeSpan.FromSeconds(Math.Min(Math.Max(delay.TotalSeconds * 2, 1), 10));
            }
        }
    }

    private async Task ResubscribeAsync()
    {
        await _subscriptions.WaitAsync(_stopping.Token);
        try
        {
            await InvokeInChunksAsync("SubscribeDevices", _watched.ToList());
        }
        finally
        {
            _subscriptions.Release();
        }
    }

    private async Task InvokeInChunksAsync(string method, IReadOnlyList<string> ids)
    {
        foreach (var chunk in ids.Chunk(MaxIdsPerCall))
        {
            await _hub.InvokeAsync(method, chunk, _stopping.Token);
        }
    }

    private Task OnTelemetry(JsonElement data)
    {
        var values = new List<LivePoint>();
        if (data.TryGetProperty("values", out var items) && items.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in items.EnumerateArray())
            {
                values.Add(new LivePoint(item.GetProperty("name").GetString()!, item.GetProperty("t").GetDateTime(), item.GetProperty("value").Clone()));
            }
        }

        return Telemetry?.Invoke(new TelemetryEvent(DeviceId(data), values)) ?? Task.CompletedTask;
    }

    private Task OnShadow(JsonElement data) =>
        Shadow?.Invoke(new ShadowEvent(
            DeviceId(data),
            data.TryGetProperty("version", out var version) ? version.GetInt64() : 0,
            data.TryGetProperty("document", out var document) ? JsonNode.Parse(document.GetRawText()) as JsonObject : null))
        ?? Task.CompletedTask;

    private Task OnPresence(JsonElement data) =>
        Presence?.Invoke(new PresenceEvent(
            DeviceId(data),
            data.TryGetProperty("online", out var online) && online.ValueKind == JsonValueKind.True,
            data.TryGetProperty("at", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTime() : null))
        ?? Task.CompletedTask;

    private static string DeviceId(JsonElement data) => data.GetProperty("deviceId").GetString()!;

    private Task SetState(LiveState state)
    {
        if (State == state)
        {
            return Task.CompletedTask;
        }

        State = state;
        return StateChanged?.Invoke(state) ?? Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _hub.DisposeAsync();
        _stopping.Dispose();
        _subscriptions.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live connection to the Api failed, retrying: {Reason}")]
    private partial void LogConnectFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Subscribing to live device events failed: {Reason}")]
    private partial void LogSubscribeFailed(string reason);

    /// <summary>0, 1, 2, 5 s, then every 5 s for as long as it takes: an Api restart can take a while.</summary>
    private sealed class ForeverRetryPolicy : IRetryPolicy
    {
        private static readonly TimeSpan[] Delays = [TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

        public TimeSpan? NextRetryDelay(RetryContext retryContext) =>
            retryContext.PreviousRetryCount < Delays.Length ? Delays[retryContext.PreviousRetryCount] : TimeSpan.FromSeconds(5);
    }
}

/// <summary>Creates a page's live connection with the circuit's tokens.</summary>
public sealed class LiveConnectionFactory(ApiAddress address, UserTokens tokens, ILogger<DeviceLiveConnection> logger) : ILiveConnectionFactory
{
    public async Task<ILiveDeviceEvents> CreateAsync(CancellationToken cancellationToken) =>
        new DeviceLiveConnection(await address.HubUrlAsync(cancellationToken), tokens, logger);
}
