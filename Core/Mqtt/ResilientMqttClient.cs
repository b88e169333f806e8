using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Adapter;

namespace IotAspire.Core.Mqtt;

/// <summary>
/// One MQTT connection that comes back: connects with the options <c>clientOptions</c> gives for each attempt, runs
/// <see cref="Connected"/> after every connect, reconnects included (subscriptions and announcements: a restarted broker
/// forgot them; a throw there fails the attempt), waits per <see cref="MqttReconnectBackoff"/> between attempts, says why
/// it is not ready (<see cref="Problem"/>, for <see cref="MqttConnectionHealthCheck"/>) and disconnects quietly.
/// Three ways to hold it: <see cref="RunAsync"/> keeps it up until cancelled (a service's long-lived connection);
/// <see cref="ConnectAsync"/> connects, retrying until it succeeds (a device); <see cref="EnsureConnectedAsync"/>
/// connects on first use and again after a drop, once per call, and throws (occasional publishers).
/// </summary>
public sealed partial class ResilientMqttClient : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan DisconnectTimeout = TimeSpan.FromSeconds(5);

    private readonly Func<MqttClientOptions> _clientOptions;
    private readonly MqttReconnectBackoff _backoff;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly SemaphoreSlim _disconnected = new(0, 1);
    private volatile string? _problem = "not connected yet";

    public ResilientMqttClient(
        string name,
        Func<MqttClientOptions> clientOptions,
        MqttReconnectBackoff backoff,
        ILogger logger,
        TimeProvider? time = null,
        IMqttClientAdapterFactory? adapters = null)
    {
        Name = name;
        _clientOptions = clientOptions;
        _backoff = backoff;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        var factory = new MqttClientFactory();
        Client = adapters is null ? factory.CreateMqttClient() : factory.CreateMqttClient(adapters);
        Client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>What this connection is for, in log lines ("command responses", "device sim-1").</summary>
    public string Name { get; }

    /// <summary>The MQTTnet client: publish, acknowledge and add receive handlers with it; connect and disconnect through this class.</summary>
    public IMqttClient Client { get; }

    /// <summary>Runs after every successful connect, before the connection counts as ready: subscribe, announce. A throw fails the attempt.</summary>
    public Func<MqttClientConnectResult, CancellationToken, Task>? Connected { get; init; }

    /// <summary>Runs when the broker refused the login, before the next attempt (e.g. to get new credentials).</summary>
    public Func<MqttClientConnectResult, CancellationToken, Task>? Refused { get; init; }

    /// <summary>Runs after every failed attempt (e.g. to count it).</summary>
    public Action<Exception>? ConnectFailed { get; init; }

    /// <summary>Null while connected and <see cref="Connected"/> has run; otherwise why not.</summary>
    public string? Problem => _problem;

    public bool IsReady => _problem is null && Client.IsConnected;

    /// <summary>Keeps the connection up until <paramref name="stoppingToken"/> is cancelled; then returns, still connected (see <see cref="DisconnectAsync"/>).</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (Client.IsConnected)
                {
                    await _disconnected.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }

                await ConnectAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Connects (once connected, at once), retrying with the back-off until it succeeds or is cancelled.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        for (var failures = 1; ; failures++)
        {
            try
            {
                await EnsureConnectedAsync(cancellationToken);
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                var delay = _backoff.Next(failures, Random.Shared);
                LogConnectFailed(ex, Name, ex.Message, delay.TotalSeconds);
                await Task.Delay(delay, _time, cancellationToken);
            }
        }
    }

    /// <summary>Connects unless connected: one attempt, which throws what failed (<see cref="MqttConnectException"/> for a refusal).</summary>
    public async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (IsReady)
        {
            return;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (!IsReady)
            {
                await AttemptAsync(cancellationToken);
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the connection to be ready (another caller or <see cref="RunAsync"/> connects); false if it is not.</summary>
    public async Task<bool> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (!IsReady)
        {
            if (_time.GetElapsedTime(started) >= timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken);
        }

        return true;
    }

    /// <summary>Subscribes and throws unless the broker granted every filter at the QoS asked for.</summary>
    public async Task<MqttClientSubscribeResult> SubscribeAsync(MqttClientSubscribeOptions options, CancellationToken cancellationToken)
    {
        var result = await Client.SubscribeAsync(options, cancellationToken);
        var refused = result.Items
            .Where(item => item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2
                || (int)item.ResultCode < (int)item.TopicFilter.QualityOfServiceLevel)
            .ToList();
        if (refused.Count > 0)
        {
            throw new InvalidOperationException(
                $"the broker refused the subscription {string.Join(", ", refused.Select(r => $"{r.TopicFilter.Topic} ({r.ResultCode})"))}");
        }

        return result;
    }

    /// <summary>
    /// Disconnects cleanly (no Last Will) if connected, without throwing; <paramref name="reason"/> becomes the
    /// <see cref="Problem"/>. <see cref="RunAsync"/>, if running, connects again: a way to start a new session.
    /// </summary>
    public async Task DisconnectAsync(string reason = "stopped", TimeSpan? timeout = null)
    {
        _problem = reason;
        if (!Client.IsConnected)
        {
            return;
        }

        try
        {
            using var cancel = new CancellationTokenSource(timeout ?? DisconnectTimeout);
            await Client.DisconnectAsync(new MqttClientDisconnectOptions(), cancel.Token);
        }
        catch (Exception ex)
        {
            LogDisconnectFailed(ex, Name);
        }
    }

    private async Task AttemptAsync(CancellationToken cancellationToken)
    {
        var options = _clientOptions();
        try
        {
            if (Client.IsConnected)
            {
                await DisconnectAsync("reconnecting"); // Connected but not ready: what made it so ran half-way.
            }

            var result = await Client.ConnectAsync(options, cancellationToken);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                // MQTTnet does not throw on a refused login; the result code says why.
                if (Refused is { } refused)
                {
                    await refused(result, cancellationToken);
                }

                throw new MqttConnectException(result.ResultCode, $"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
            }

            if (Connected is { } connected)
            {
                await connected(result, cancellationToken);
            }

            _problem = null;
            LogConnected(Name, options.ClientId, result.IsSessionPresent);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            ConnectFailed?.Invoke(ex);
            // A half-made connection (a refused subscription) must not stay: the next attempt starts from a closed link.
            await DisconnectAsync(ex.Message);
            throw;
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && _problem is null)
        {
            var detail = e.Exception?.Message ?? e.ReasonString;
            _problem = $"disconnected ({e.Reason}): {detail}";
            LogDisconnected(Name, e.Reason.ToString(), detail);
        }

        if (_disconnected.CurrentCount == 0)
        {
            try
            {
                _disconnected.Release();
            }
            catch (SemaphoreFullException)
            {
                // Released meanwhile: the loop wakes either way.
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Disconnects quietly, then releases the client.</summary>
    public async ValueTask DisposeAsync()
    {
        await DisconnectAsync();
        Dispose();
    }

    /// <summary>Releases the client without a clean disconnect (the broker then sends a Last Will).</summary>
    public void Dispose()
    {
        Client.Dispose();
        _connecting.Dispose();
        _disconnected.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "MQTT {Name}: connected as {ClientId} (session present: {SessionPresent})")]
    private partial void LogConnected(string name, string clientId, bool sessionPresent);

    [LoggerMessage(LogLevel.Warning, "MQTT {Name}: disconnected ({Reason}): {Detail}")]
    private partial void LogDisconnected(string name, string reason, string? detail);

    [LoggerMessage(LogLevel.Warning, "MQTT {Name}: could not connect ({Reason}); retrying in {DelaySeconds:0.##} s")]
    private partial void LogConnectFailed(Exception exception, string name, string reason, double delaySeconds);

    [LoggerMessage(LogLevel.Debug, "MQTT {Name}: disconnecting failed")]
    private partial void LogDisconnectFailed(Exception exception, string name);
}

/// <summary>The broker refused the login; <see cref="ResultCode"/> says why.</summary>
public sealed class MqttConnectException(MqttClientConnectResultCode resultCode, string message) : Exception(message)
{
    public MqttClientConnectResultCode ResultCode { get; } = resultCode;
}
