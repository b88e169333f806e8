using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Simulator.Api;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace IotAspire.Simulator.Devices;

/// <summary>
/// One simulated device: its own MQTT connection (client id = device id, MQTT 5) with a retained Last Will
/// on its status topic, and a send loop that keeps its pace and reconnects with back-off when the link drops.
/// When <see cref="SimulatorOptions.Interactive"/>, it also follows the protocol: reports its state on every connect,
/// applies shadow deltas (LED, interval) and reports them back, and answers ping, setInterval and reboot.
/// Received messages are handled by a second loop, never inside MQTTnet's receive event.
/// </summary>
public sealed class VirtualDevice : IAsyncDisposable
{
    private static readonly byte[] Online = Encoding.UTF8.GetBytes("""{"online":true}""");
    private static readonly byte[] Offline = Encoding.UTF8.GetBytes("""{"online":false}""");
    private static readonly MqttReconnectBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Spread: 0.2);

    /// <summary>How long a rebooting device stays away.</summary>
    internal static readonly TimeSpan RebootPause = TimeSpan.FromSeconds(2);

    /// <summary>A device that fell behind (e.g. while reconnecting) catches up at most this much, then drops the rest.</summary>
    private static readonly TimeSpan MaxBacklog = TimeSpan.FromSeconds(1);

    private readonly string _deviceId;
    private readonly MqttBrokerAddress? _brokerOverride;
    private readonly SimulatorOptions _options;
    private readonly DeviceRegistrationClient _registration;
    private readonly SimulatorDiagnostics _diagnostics;
    private readonly ILogger _logger;
    private readonly ResilientMqttClient _connection;
    private readonly TelemetryGenerator _generator;
    private readonly string _telemetryTopic;
    private readonly MqttQualityOfServiceLevel _qos;
    private readonly Channel<InboundMessage> _inbox = Channel.CreateUnbounded<InboundMessage>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Wakes the send loop early: the interval changed or a reboot is due.</summary>
    private readonly SemaphoreSlim _wake = new(0);
    private MqttCredentials _credentials;
    private DeviceSettings _settings = new(TimeSpan.FromSeconds(1));
    private bool _countedAsConnected;
    private long _messagesSent;
    private long _reports;
    private long _lastDeltaVersion;
    private int _rebootRequested;

    public VirtualDevice(
        string deviceId,
        MqttCredentials credentials,
        MqttBrokerAddress? brokerOverride,
        SimulatorOptions options,
        DeviceRegistrationClient registration,
        SimulatorDiagnostics diagnostics,
        ILogger logger)
    {
        _diagnostics = diagnostics;
        _deviceId = deviceId;
        _brokerOverride = brokerOverride;
        _options = options;
        _registration = registration;
        _logger = logger;
        _credentials = credentials;
        _generator = new TelemetryGenerator(_options.ValuesPerMessage, _deviceId.GetHashCode());
        _telemetryTopic = DeviceTopics.Telemetry(_deviceId);
        _qos = _options.Qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
        // Clean start: subscriptions do not survive a reconnect, so OnConnectedAsync makes them every time.
        _connection = new ResilientMqttClient($"device {_deviceId}", ClientOptions, Backoff, _logger)
        {
            Connected = OnConnectedAsync,
            Refused = OnRefusedAsync,
        };
    }

    /// <summary>Telemetry messages of this device the broker accepted (a load run checks storage against it).</summary>
    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    /// <summary>The device's shadow fields (LED, interval, firmware) as it last applied them.</summary>
    public DeviceSettings Settings => _settings;

    /// <summary>Sends telemetry every <paramref name="period"/> (until a delta or command changes it), starting after <paramref name="startDelay"/>, until cancelled.</summary>
    public async Task RunAsync(TimeSpan period, TimeSpan startDelay, CancellationToken cancellationToken)
    {
        _settings = new DeviceSettings(period);
        if (!_options.Interactive)
        {
            await SendLoopAsync(startDelay, cancellationToken);
            return;
        }

        _connection.Client.ApplicationMessageReceivedAsync += e =>
        {
            // Copied: MQTTnet may reuse its buffers once the event returns. The inbox loop does the work (and may publish).
            var message = e.ApplicationMessage;
            _inbox.Writer.TryWrite(new InboundMessage(message.Topic, System.Buffers.BuffersExtensions.ToArray(message.Payload), MqttTraceContext.ParentOf(message)));
            return Task.CompletedTask;
        };

        using var stopInbox = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var inbox = ProcessInboxAsync(stopInbox.Token);
        try
        {
            await SendLoopAsync(startDelay, cancellationToken);
        }
        finally
        {
            await stopInbox.CancelAsync();
            await inbox;
        }
    }

    private async Task SendLoopAsync(TimeSpan startDelay, CancellationToken cancellationToken)
    {
        await _connection.ConnectAsync(cancellationToken);
        await Task.Delay(startDelay, cancellationToken);

        var clock = Stopwatch.StartNew();
        // The due time of the next message is always "last due + current interval", so a new interval applies at once.
        var lastDue = -_settings.Interval;
        while (!cancellationToken.IsCancellationRequested)
        {
            var due = lastDue + _settings.Interval;
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                // Woken early: re-plan with the new interval, or reboot.
                await _wake.WaitAsync(wait, cancellationToken);
            }
            else if (-wait > MaxBacklog)
            {
                lastDue = clock.Elapsed - _settings.Interval;
            }

            if (Interlocked.Exchange(ref _rebootRequested, 0) == 1)
            {
                await RebootAsync(cancellationToken);
                lastDue = clock.Elapsed - _settings.Interval;
                continue;
            }

            if (clock.Elapsed < lastDue + _settings.Interval)
            {
                continue;
            }

            if (!_connection.Client.IsConnected)
            {
                MarkDisconnected();
                _logger.LogWarning("Device {DeviceId} lost its broker connection; reconnecting", _deviceId);
                await _connection.ConnectAsync(cancellationToken);
                lastDue = clock.Elapsed - _settings.Interval;
                continue;
            }

            await PublishTelemetryAsync(cancellationToken);
            lastDue += _settings.Interval;
        }
    }

    private async Task PublishTelemetryAsync(CancellationToken cancellationToken)
    {
        using var activity = _options.TraceMessages
            ? SimulatorDiagnostics.ActivitySource.StartActivity($"{_telemetryTopic} publish", ActivityKind.Producer)
            : null;
        activity?.SetTag("messaging.system", "mqtt");
        activity?.SetTag("messaging.destination.name", _telemetryTopic);

        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(_telemetryTopic)
            .WithPayload(_generator.Next(DateTime.UtcNow))
            .WithQualityOfServiceLevel(_qos)
            .WithTraceContext(activity);
        try
        {
            var result = await _connection.Client.PublishAsync(builder.Build(), cancellationToken);
            // Mosquitto answers "no matching subscribers" when no one listens yet: the broker still took the message.
            if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                Interlocked.Increment(ref _messagesSent);
                _diagnostics.MessageSent();
                return;
            }

            _diagnostics.PublishFailed();
            activity?.SetStatus(ActivityStatusCode.Error, result.ReasonString);
            _logger.LogWarning("Broker refused telemetry of {DeviceId}: {ReasonCode} {Reason}", _deviceId, result.ReasonCode, result.ReasonString);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Usually the connection dropped: the loop notices and reconnects.
            _diagnostics.PublishFailed();
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            _logger.LogWarning("Publishing telemetry of {DeviceId} failed: {Reason}", _deviceId, ex.Message);
        }
    }

    /// <summary>After every connect: subscribe (when interactive), say online, report the state.</summary>
    private async Task OnConnectedAsync(MqttClientConnectResult connected, CancellationToken cancellationToken)
    {
        if (_options.Interactive)
        {
            await SubscribeAsync(cancellationToken);
        }

        await _connection.Client.PublishAsync(StatusMessage(Online), cancellationToken);
        _diagnostics.DeviceConnected();
        _countedAsConnected = true;
        if (_options.Interactive)
        {
            await ReportAsync(_settings.Reported(), cancellationToken);
        }
    }

    private async Task OnRefusedAsync(MqttClientConnectResult refused, CancellationToken cancellationToken)
    {
        if (refused.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized)
        {
            // The broker no longer knows our password (e.g. its data was reset): ask the API for a new one.
            _credentials = await _registration.RotateAsync(_deviceId, cancellationToken);
        }
    }

    private async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in DeviceInbox.Subscriptions(_deviceId))
        {
            // No local: the device must not get its own command responses back through commands/#.
            subscribe.WithTopicFilter(filter => filter.WithTopic(topic).WithAtLeastOnceQoS().WithNoLocal());
        }

        await _connection.SubscribeAsync(subscribe.Build(), cancellationToken);
    }

    private async Task ProcessInboxAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _inbox.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    await HandleAsync(message, cancellationToken);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    // One bad message (or a dropped link while answering) must not stop the device.
                    _diagnostics.InboxFailed();
                    _logger.LogWarning(ex, "Device {DeviceId} could not handle a message on {Topic}", _deviceId, message.Topic);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The device stops.
        }
    }

    private async Task HandleAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        if (message.Topic == ShadowTopics.UpdateDelta(_deviceId))
        {
            await ApplyDeltaAsync(message, cancellationToken);
        }
        else if (DeviceInbox.TryParseCommand(_deviceId, message.Topic, out var name, out var requestId))
        {
            await AnswerCommandAsync(message, name, requestId, cancellationToken);
        }
        else if (message.Topic == ShadowTopics.UpdateRejected(_deviceId))
        {
            _diagnostics.ShadowRejected();
            _logger.LogWarning("The shadow of {DeviceId} rejected a report: {Error}", _deviceId, Encoding.UTF8.GetString(message.Payload));
        }
    }

    private async Task ApplyDeltaAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        // An empty retained message means nothing is outstanding; an older delta than one applied is stale.
        if (!DeviceInbox.TryParseDelta(message.Payload, out var state, out var version) || version < Interlocked.Read(ref _lastDeltaVersion))
        {
            return;
        }

        Interlocked.Exchange(ref _lastDeltaVersion, version);
        var outcome = _settings.ApplyDelta(state);
        if (outcome.Ignored.Count > 0)
        {
            _logger.LogDebug("Device {DeviceId} cannot apply desired {Fields}; they stay in the delta", _deviceId, string.Join(", ", outcome.Ignored));
        }

        if (outcome.IntervalChanged)
        {
            _wake.Release();
        }

        if (outcome.Reported.Count > 0)
        {
            await ReportAsync(outcome.Reported, cancellationToken);
        }
    }

    private async Task AnswerCommandAsync(InboundMessage message, string name, string requestId, CancellationToken cancellationToken)
    {
        using var activity = SimulatorDiagnostics.ActivitySource.StartActivity($"command {name}", ActivityKind.Consumer, message.Parent);
        activity?.SetTag("messaging.system", "mqtt");
        activity?.SetTag("messaging.destination.name", message.Topic);

        var answer = DeviceCommands.Answer(name, message.Payload, _settings, DateTimeOffset.UtcNow);
        var response = new MqttApplicationMessageBuilder()
            .WithTopic(CommandTopics.Response(_deviceId, requestId))
            .WithPayload(answer.ToResponse())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTraceContext(activity);
        await _connection.Client.PublishAsync(response.Build(), cancellationToken);
        _diagnostics.CommandAnswered(name, answer.Status);
        switch (answer.Action)
        {
            case CommandAction.ReportInterval:
                _wake.Release();
                await ReportAsync(new JsonObject { [DeviceSettings.IntervalField] = _settings.Reported()[DeviceSettings.IntervalField]!.DeepClone() }, cancellationToken);
                break;
            case CommandAction.Reboot:
                // The send loop owns connect and disconnect: it reboots once it wakes.
                Interlocked.Exchange(ref _rebootRequested, 1);
                _wake.Release();
                break;
        }
    }

    private async Task ReportAsync(JsonObject reported, CancellationToken cancellationToken)
    {
        var clientToken = $"{_deviceId}-{Interlocked.Increment(ref _reports)}";
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(ShadowTopics.Update(_deviceId))
            .WithPayload(DeviceInbox.Report(reported, clientToken))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _connection.Client.PublishAsync(message, cancellationToken);
        _diagnostics.ShadowReported();
    }

    /// <summary>A reboot: offline status, clean disconnect (no will), a pause, then connect again (which reports the state).</summary>
    private async Task RebootAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("Device {DeviceId} reboots", _deviceId);
        await GoodbyeAsync();
        MarkDisconnected();
        await Task.Delay(RebootPause, cancellationToken);
        await _connection.ConnectAsync(cancellationToken);
    }

    private MqttClientOptions ClientOptions()
    {
        var host = _brokerOverride?.Host ?? _credentials.Host;
        var port = _brokerOverride?.Port ?? _credentials.Port;
        return new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(_deviceId)
            .WithCredentials(_credentials.Username, _credentials.Password)
            .WithCleanStart()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithWillTopic(DeviceTopics.Status(_deviceId))
            .WithWillPayload(Offline)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    private MqttApplicationMessage StatusMessage(byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(DeviceTopics.Status(_deviceId))
        .WithPayload(payload)
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private void MarkDisconnected()
    {
        if (_countedAsConnected)
        {
            _countedAsConnected = false;
            _diagnostics.DeviceDisconnected();
        }
    }

    /// <summary>Says goodbye properly: a retained offline status, then a clean disconnect (which suppresses the will).</summary>
    public async ValueTask DisposeAsync()
    {
        await GoodbyeAsync();
        MarkDisconnected();
        _connection.Dispose();
        _wake.Dispose();
    }

    private async Task GoodbyeAsync()
    {
        if (!_connection.Client.IsConnected)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _connection.Client.PublishAsync(StatusMessage(Offline), timeout.Token);
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Device {DeviceId} could not say it goes offline: {Reason}", _deviceId, ex.Message);
        }

        await _connection.DisconnectAsync("stopped", TimeSpan.FromSeconds(2));
    }
}
