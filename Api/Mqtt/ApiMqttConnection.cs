using System.Buffers;
using System.Diagnostics;
using IotAspire.Api.Commands;
using IotAspire.Api.Infrastructure;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Core.Shadows;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAspire.Api.Mqtt;

/// <summary>
/// The Api's own MQTT 5 connection (account "api"): publishes shadow messages and commands to devices, and receives
/// command responses. It subscribes the response filter without a shared group, so every replica sees every response
/// and completes only the requests it waits for. Reconnects with back-off and re-subscribes on every connect
/// (a restarted broker forgets subscriptions).
/// </summary>
public sealed partial class ApiMqttConnection : BackgroundService, IMqttPublisher
{
    private static readonly TimeSpan MinReconnectDelay = TimeSpan.FromMilliseconds(250);

    private readonly IConfiguration _configuration;
    private readonly ApiMqttOptions _options;
    private readonly PendingCommands _pending;
    private readonly ILogger<ApiMqttConnection> _logger;
    private readonly IMqttClient _client;
    private readonly SemaphoreSlim _disconnected = new(0);
    private volatile string? _problem = "not connected yet";

    public ApiMqttConnection(IConfiguration configuration, IOptions<ApiMqttOptions> options, PendingCommands pending, ILogger<ApiMqttConnection> logger)
    {
        _configuration = configuration;
        _options = options.Value;
        _pending = pending;
        _logger = logger;
        ClientId = $"{_options.ClientIdPrefix}-{Guid.NewGuid().ToString("N")[..12]}";
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        _client.DisconnectedAsync += OnDisconnectedAsync;
    }

    public string ClientId { get; }

    /// <summary>Null while connected and subscribed; otherwise why not (for the health check).</summary>
    public string? Problem => _problem;

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken) =>
        PublishAsync(Message(topic, payload).WithRetainFlag(retain).Build(), cancellationToken);

    /// <summary>Publishes a command request: QoS 1, plain topic for MQTT 3.1.1 devices, response topic and correlation data for MQTT 5 ones.</summary>
    public Task PublishCommandAsync(string deviceId, string name, string requestId, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        PublishAsync(
            Message(CommandTopics.Request(deviceId, name, requestId), payload)
                .WithContentType("application/json")
                .WithResponseTopic(CommandTopics.Response(deviceId, requestId))
                .WithCorrelationData(System.Text.Encoding.UTF8.GetBytes(requestId))
                .Build(),
            cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var address = MqttBrokerAddress.Parse(_configuration.GetConnectionString(ResourceNames.Mqtt));
        var clientOptions = new MqttClientOptionsBuilder()
            .WithTcpServer(address.Host, address.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(ClientId)
            .WithCredentials(_options.Username, _options.Password)
            // A session the broker keeps across a reconnect: a command answer that arrives meanwhile is queued for us
            // and delivered when we are back (the client id is this process's, so the first connect starts afresh).
            // Subscriptions are renewed on every connect all the same: a restarted broker may have lost them.
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpirySeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(_options.KeepAliveSeconds))
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build()
            .WithSocketBuffers();

        var delay = MinReconnectDelay;
        var maxDelay = TimeSpan.FromSeconds(_options.MaxReconnectDelaySeconds);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_client.IsConnected)
                {
                    await _disconnected.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                    continue;
                }

                try
                {
                    await ConnectAndSubscribeAsync(clientOptions, stoppingToken);
                    _problem = null;
                    delay = MinReconnectDelay;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    _problem = ex.Message;
                    ApiDiagnostics.MqttConnectFailures.Add(1);
                    LogConnectFailed(ex, address.Host, address.Port, delay.TotalSeconds);
                    await DisconnectQuietlyAsync();
                    // Jitter keeps replicas from reconnecting in lock step after a broker restart.
                    await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250)), stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        finally
        {
            _problem = "stopped";
            await DisconnectQuietlyAsync();
        }
    }

    private async Task ConnectAndSubscribeAsync(MqttClientOptions clientOptions, CancellationToken cancellationToken)
    {
        var result = await _client.ConnectAsync(clientOptions, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            // MQTTnet does not throw on a refused login; the result code says why.
            throw new InvalidOperationException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        var subscribed = await _client.SubscribeAsync(
            new MqttClientSubscribeOptionsBuilder().WithTopicFilter(CommandTopics.ResponseFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
            cancellationToken);
        foreach (var item in subscribed.Items)
        {
            if (item.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS0))
            {
                throw new InvalidOperationException($"the broker refused the subscription {CommandTopics.ResponseFilter}: {item.ResultCode}");
            }
        }

        LogConnected(ClientId);
    }

    private async Task PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        await WaitForConnectionAsync(cancellationToken);
        MqttClientPublishResult result;
        try
        {
            result = await _client.PublishAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            ApiDiagnostics.MqttPublishFailures.Add(1);
            throw new MqttUnavailableException($"Publishing to {message.Topic} failed: {ex.Message}", ex);
        }

        if (!result.IsSuccess)
        {
            ApiDiagnostics.MqttPublishFailures.Add(1);
            throw new MqttUnavailableException($"The broker refused the message on {message.Topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }

    private async Task WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * _options.PublishWaitSeconds;
        while (!_client.IsConnected || _problem is not null)
        {
            if (Stopwatch.GetTimestamp() >= deadline)
            {
                throw new MqttUnavailableException($"Not connected to the MQTT broker: {_problem}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (!CommandResponseTopic.TryParse(topic, out var deviceId, out var requestId))
        {
            LogUnexpectedTopic(topic);
            return Task.CompletedTask;
        }

        // Another replica's request is normal with several replicas: every replica sees every response.
        if (_pending.TryComplete(deviceId, requestId, e.ApplicationMessage.Payload))
        {
            ApiDiagnostics.CommandResponsesMatched.Add(1);
        }

        return Task.CompletedTask;
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && _problem is null)
        {
            _problem = $"disconnected ({e.Reason}): {e.Exception?.Message ?? e.ReasonString}";
            LogDisconnected(e.Reason.ToString(), e.Exception?.Message ?? e.ReasonString);
        }

        _disconnected.Release();
        return Task.CompletedTask;
    }

    private async Task DisconnectQuietlyAsync()
    {
        if (!_client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
        }
        catch (Exception ex)
        {
            LogDisconnectFailed(ex);
        }
    }

    private static MqttApplicationMessageBuilder Message(string topic, ReadOnlyMemory<byte> payload)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        // Trace context travels to the device (and the worker) as the W3C traceparent user property.
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C, Id: { } traceparent })
        {
            builder.WithUserProperty("traceparent", System.Text.Encoding.UTF8.GetBytes(traceparent));
        }

        return builder;
    }

    public override void Dispose()
    {
        _client.Dispose();
        _disconnected.Dispose();
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Connected to the MQTT broker as {ClientId}; subscribed to command responses")]
    private partial void LogConnected(string clientId);

    [LoggerMessage(LogLevel.Warning, "Disconnected from the MQTT broker ({Reason}): {Detail}")]
    private partial void LogDisconnected(string reason, string? detail);

    [LoggerMessage(LogLevel.Warning, "Could not connect to the MQTT broker at {Host}:{Port}; retrying in {DelaySeconds:0.##} s")]
    private partial void LogConnectFailed(Exception exception, string host, int port, double delaySeconds);

    [LoggerMessage(LogLevel.Warning, "Ignored a message on {Topic}: not a command response topic")]
    private partial void LogUnexpectedTopic(string topic);

    [LoggerMessage(LogLevel.Debug, "Disconnecting from the MQTT broker failed")]
    private partial void LogDisconnectFailed(Exception exception);
}
