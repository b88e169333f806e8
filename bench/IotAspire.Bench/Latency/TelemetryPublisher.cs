using System.Globalization;
using System.Text;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Simulator.Api;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.Bench.Latency;

/// <summary>
/// Devices registered through the Api, one MQTT 5 connection each, each publishing compact telemetry at its own steady
/// pace (starts spread over one period): <c>{"ts":"…","seq":n,"sent_us":…}</c>. <c>seq</c> is unique over all devices,
/// so the SignalR side can find the message in the <see cref="SentLedger"/>.
/// </summary>
public sealed class TelemetryPublisher : IAsyncDisposable
{
    private const int ConcurrentRegistrations = 16;

    private readonly List<(string Id, bool Subscribed, IMqttClient Client)> _devices;
    private readonly LatencySettings _settings;
    private readonly SentLedger _ledger;
    private readonly ILogger _logger;
    private long _failed;

    private TelemetryPublisher(List<(string Id, bool Subscribed, IMqttClient Client)> devices, LatencySettings settings, SentLedger ledger, ILogger logger)
    {
        _devices = devices;
        _settings = settings;
        _ledger = ledger;
        _logger = logger;
    }

    public IEnumerable<string> SubscribedIds => _devices.Where(d => d.Subscribed).Select(d => d.Id);

    public long Failed => Interlocked.Read(ref _failed);

    public static async Task<TelemetryPublisher> ConnectAsync(
        HttpClient http, MqttBrokerAddress broker, LatencySettings settings, SentLedger ledger, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var registration = new DeviceRegistrationClient(http, loggers.CreateLogger<DeviceRegistrationClient>());
        using var gate = new SemaphoreSlim(ConcurrentRegistrations);
        var ids = Enumerable.Range(0, settings.Devices + settings.Others)
            .Select(i => (Id: i < settings.Devices ? $"{settings.IdPrefix}{i + 1:D4}" : $"{settings.IdPrefix}other-{i - settings.Devices + 1:D3}", Subscribed: i < settings.Devices))
            .ToList();
        var devices = await Task.WhenAll(ids.Select(async device =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                var credentials = await registration.GetCredentialsAsync(device.Id, cancellationToken);
                var client = new MqttClientFactory().CreateMqttClient();
                var options = new MqttClientOptionsBuilder()
                    .WithTcpServer(broker.Host, broker.Port)
                    .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                    .WithClientId(device.Id)
                    .WithCredentials(credentials.Username, credentials.Password)
                    .WithCleanStart()
                    .Build();
                var result = await client.ConnectAsync(options, cancellationToken);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new InvalidOperationException($"The broker refused {device.Id}: {result.ResultCode}");
                }

                return (device.Id, device.Subscribed, client);
            }
            finally
            {
                gate.Release();
            }
        }));
        return new TelemetryPublisher([.. devices], settings, ledger, loggers.CreateLogger<TelemetryPublisher>());
    }

    /// <summary>Publishes until cancelled.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
    {
        var period = _settings.DevicePeriod;
        return Task.WhenAll(_devices.Select((device, index) =>
            RunDeviceAsync(index, device.Id, device.Subscribed, device.Client, period, period * index / _devices.Count, cancellationToken)));
    }

    private async Task RunDeviceAsync(int index, string id, bool subscribed, IMqttClient client, TimeSpan period, TimeSpan startDelay, CancellationToken cancellationToken)
    {
        var topic = DeviceTopics.Telemetry(id);
        var qos = _settings.Qos == 0 ? MqttQualityOfServiceLevel.AtMostOnce : MqttQualityOfServiceLevel.AtLeastOnce;
        var lastTimestamp = DateTime.MinValue;
        try
        {
            await Task.Delay(startDelay, cancellationToken);
            using var timer = new PeriodicTimer(period);
            do
            {
                var sequence = _ledger.NextSequence();
                var now = DateTime.UtcNow;
                // (device, metric, ts) is unique in storage: never two messages of one device in the same microsecond.
                lastTimestamp = now > lastTimestamp ? now : lastTimestamp.AddTicks(TimeSpan.TicksPerMicrosecond);
                var payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $$"""{"ts":"{{lastTimestamp:yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'}}","seq":{{sequence}},"sent_us":{{(lastTimestamp - DateTime.UnixEpoch).Ticks / 10}}}"""));
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build();
                _ledger.Add(sequence, index, subscribed);
                try
                {
                    var result = await client.PublishAsync(message, cancellationToken);
                    if (result.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
                    {
                        Refused(sequence, id, result.ReasonCode.ToString());
                    }
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    Refused(sequence, id, ex.Message);
                }
                catch (MQTTnet.Exceptions.MqttCommunicationTimedOutException) when (cancellationToken.IsCancellationRequested)
                {
                    break; // MQTTnet reports a publish cut off by the stop as a time-out.
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The run is over.
        }
    }

    private void Refused(long sequence, string id, string reason)
    {
        // Not sent: it must not count as lost on the receiving side.
        _ledger.Remove(sequence);
        Interlocked.Increment(ref _failed);
        _logger.LogWarning("Publishing telemetry of {DeviceId} failed: {Reason}", id, reason);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, _, client) in _devices)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                _logger.LogWarning("A latency device did not disconnect cleanly: {Reason}", ex.Message);
            }

            client.Dispose();
        }
    }
}
