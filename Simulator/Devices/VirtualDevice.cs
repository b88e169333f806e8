using System.Diagnostics;
using System.Text;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Simulator.Api;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.Simulator.Devices;

/// <summary>
/// One simulated device: its own MQTT connection (client id = device id, MQTT 5) with a retained Last Will
/// on its status topic, and a send loop that keeps its pace and reconnects with back-off when the link drops.
/// </summary>
public sealed class VirtualDevice(
    string deviceId,
    MqttCredentials credentials,
    MqttConnection? brokerOverride,
    SimulatorOptions options,
    DeviceRegistrationClient registration,
    ILogger logger) : IAsyncDisposable
{
    private static readonly byte[] Online = Encoding.UTF8.GetBytes("""{"online":true}""");
    private static readonly byte[] Offline = Encoding.UTF8.GetBytes("""{"online":false}""");
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>A device that fell behind (e.g. while reconnecting) catches up at most this much, then drops the rest.</summary>
    private static readonly TimeSpan MaxBacklog = TimeSpan.FromSeconds(1);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly TelemetryGenerator _generator = new(options.ValuesPerMessage, deviceId.GetHashCode());
    private readonly string _telemetryTopic = DeviceTopics.Telemetry(deviceId);
    private readonly MqttQualityOfServiceLevel _qos = options.Qos == 0
        ? MqttQualityOfServiceLevel.AtMostOnce
        : MqttQualityOfServiceLevel.AtLeastOnce;
    private MqttCredentials _credentials = credentials;
    private bool _countedAsConnected;
    private long _messagesSent;

    /// <summary>Telemetry messages of this device the broker accepted (a load run checks storage against it).</summary>
    public long MessagesSent => Interlocked.Read(ref _messagesSent);

    /// <summary>Sends telemetry every <paramref name="period"/>, starting after <paramref name="startDelay"/>, until cancelled.</summary>
    public async Task RunAsync(TimeSpan period, TimeSpan startDelay, CancellationToken cancellationToken)
    {
        await ConnectWithBackoffAsync(cancellationToken);
        await Task.Delay(startDelay, cancellationToken);

        var clock = Stopwatch.StartNew();
        var due = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
            else if (-wait > MaxBacklog)
            {
                due = clock.Elapsed;
            }

            if (!_client.IsConnected)
            {
                MarkDisconnected();
                logger.LogWarning("Device {DeviceId} lost its broker connection; reconnecting", deviceId);
                await ConnectWithBackoffAsync(cancellationToken);
                due = clock.Elapsed;
                continue;
            }

            await PublishTelemetryAsync(cancellationToken);
            due += period;
        }
    }

    private async Task PublishTelemetryAsync(CancellationToken cancellationToken)
    {
        using var activity = options.TraceMessages
            ? SimulatorDiagnostics.ActivitySource.StartActivity($"{_telemetryTopic} publish", ActivityKind.Producer)
            : null;
        activity?.SetTag("messaging.system", "mqtt");
        activity?.SetTag("messaging.destination.name", _telemetryTopic);

        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(_telemetryTopic)
            .WithPayload(_generator.Next(DateTime.UtcNow))
            .WithQualityOfServiceLevel(_qos);
        if (activity?.Id is { } traceParent)
        {
            builder.WithUserProperty("traceparent", Encoding.UTF8.GetBytes(traceParent));
        }

        try
        {
            var result = await _client.PublishAsync(builder.Build(), cancellationToken);
            // Mosquitto answers "no matching subscribers" when no one listens yet: the broker still took the message.
            if (result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
            {
                Interlocked.Increment(ref _messagesSent);
                SimulatorDiagnostics.MessageSent();
                return;
            }

            SimulatorDiagnostics.PublishFailed();
            activity?.SetStatus(ActivityStatusCode.Error, result.ReasonString);
            logger.LogWarning("Broker refused telemetry of {DeviceId}: {ReasonCode} {Reason}", deviceId, result.ReasonCode, result.ReasonString);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Usually the connection dropped: the loop notices and reconnects.
            SimulatorDiagnostics.PublishFailed();
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            logger.LogWarning("Publishing telemetry of {DeviceId} failed: {Reason}", deviceId, ex.Message);
        }
    }

    private async Task ConnectWithBackoffAsync(CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await _client.ConnectAsync(ClientOptions(), cancellationToken);
                if (result.ResultCode == MqttClientConnectResultCode.Success)
                {
                    await _client.PublishAsync(StatusMessage(Online), cancellationToken);
                    SimulatorDiagnostics.DeviceConnected();
                    _countedAsConnected = true;
                    return;
                }

                logger.LogWarning("Broker refused device {DeviceId} (attempt {Attempt}): {ResultCode}", deviceId, attempt, result.ResultCode);
                if (result.ResultCode is MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.NotAuthorized)
                {
                    // The broker no longer knows our password (e.g. its data was reset): ask the API for a new one.
                    _credentials = await registration.RotateAsync(deviceId, cancellationToken);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Connecting device {DeviceId} failed (attempt {Attempt}): {Reason}", deviceId, attempt, ex.Message);
            }

            await Task.Delay(backoff * (0.8 + (Random.Shared.NextDouble() * 0.4)), cancellationToken);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private MqttClientOptions ClientOptions()
    {
        var host = brokerOverride?.Host ?? _credentials.Host;
        var port = brokerOverride?.Port ?? _credentials.Port;
        return new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(deviceId)
            .WithCredentials(_credentials.Username, _credentials.Password)
            .WithCleanStart()
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithWillTopic(DeviceTopics.Status(deviceId))
            .WithWillPayload(Offline)
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
    }

    private MqttApplicationMessage StatusMessage(byte[] payload) => new MqttApplicationMessageBuilder()
        .WithTopic(DeviceTopics.Status(deviceId))
        .WithPayload(payload)
        .WithRetainFlag()
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();

    private void MarkDisconnected()
    {
        if (_countedAsConnected)
        {
            _countedAsConnected = false;
            SimulatorDiagnostics.DeviceDisconnected();
        }
    }

    /// <summary>Says goodbye properly: a retained offline status, then a clean disconnect (which suppresses the will).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _client.PublishAsync(StatusMessage(Offline), timeout.Token);
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
            }
            catch (Exception ex)
            {
                logger.LogWarning("Device {DeviceId} did not disconnect cleanly: {Reason}", deviceId, ex.Message);
            }
        }

        MarkDisconnected();
        _client.Dispose();
    }
}
