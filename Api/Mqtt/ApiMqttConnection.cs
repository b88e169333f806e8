using System.Buffers;
using IotAspire.Api.Commands;
using IotAspire.Api.Infrastructure;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.Api.Mqtt;

/// <summary>
/// The Api's own MQTT 5 connection (account "api"), a <see cref="ResilientMqttClient"/>: publishes shadow messages and
/// commands to devices, and receives command responses. It subscribes the response filter without a shared group, so
/// every replica sees every response and completes only the requests it waits for. Keeps its session across reconnects
/// (a command answer that arrives meanwhile waits in it) and subscribes again on every connect all the same.
/// </summary>
public sealed partial class ApiMqttConnection : BackgroundService, IMqttPublisher
{
    /// <summary>How long a publish waits for a (re)connection before it fails (503).</summary>
    private static readonly TimeSpan PublishWait = TimeSpan.FromSeconds(5);

    private readonly PendingCommands _pending;
    private readonly ApiDiagnostics _diagnostics;
    private readonly ILogger<ApiMqttConnection> _logger;

    public ApiMqttConnection(
        IConfiguration configuration,
        IOptions<MqttServiceOptions> options,
        PendingCommands pending,
        ApiDiagnostics diagnostics,
        ILogger<ApiMqttConnection> logger)
    {
        var settings = options.Value;
        _pending = pending;
        _diagnostics = diagnostics;
        _logger = logger;
        ClientId = $"{settings.ClientId}-{Guid.NewGuid().ToString("N")[..12]}";
        var address = MqttBrokerAddress.Parse(configuration.GetConnectionString(ResourceNames.Mqtt));
        var clientOptions = settings.ConnectionTo(address, ClientId)
            // A session the broker keeps across a reconnect: a command answer that arrives meanwhile is queued for us
            // and delivered when we are back (the client id is this process's, so the first connect starts afresh).
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)settings.SessionExpirySeconds)
            .Build()
            .WithSocketBuffers(settings.SocketBufferBytes);
        Connection = new ResilientMqttClient(
            $"command responses at {address.Host}:{address.Port}",
            () => clientOptions,
            settings.Backoff,
            logger)
        {
            Connected = (_, token) => Connection!.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(CommandTopics.ResponseFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                token),
            ConnectFailed = _ => diagnostics.MqttConnectFailures.Add(1),
        };
        Connection.Client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
    }

    public string ClientId { get; }

    /// <summary>The connection, for the health check.</summary>
    public ResilientMqttClient Connection { get; }

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
        try
        {
            await Connection.RunAsync(stoppingToken);
        }
        finally
        {
            await Connection.DisconnectAsync();
        }
    }

    private async Task PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        if (!await Connection.WaitUntilReadyAsync(PublishWait, cancellationToken))
        {
            throw new MqttUnavailableException($"Not connected to the MQTT broker: {Connection.Problem}");
        }

        MqttClientPublishResult result;
        try
        {
            result = await Connection.Client.PublishAsync(message, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _diagnostics.MqttPublishFailures.Add(1);
            throw new MqttUnavailableException($"Publishing to {message.Topic} failed: {ex.Message}", ex);
        }

        if (!result.IsSuccess)
        {
            _diagnostics.MqttPublishFailures.Add(1);
            throw new MqttUnavailableException($"The broker refused the message on {message.Topic}: {result.ReasonCode} {result.ReasonString}");
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
            _diagnostics.CommandResponsesMatched.Add(1);
        }

        return Task.CompletedTask;
    }

    // QoS 1; the trace context travels to the device (and the worker) in the message.
    private static MqttApplicationMessageBuilder Message(string topic, ReadOnlyMemory<byte> payload) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(new ReadOnlySequence<byte>(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTraceContext(System.Diagnostics.Activity.Current);

    public override void Dispose()
    {
        Connection.Dispose(); // ExecuteAsync disconnected it.
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Warning, "Ignored a message on {Topic}: not a command response topic")]
    private partial void LogUnexpectedTopic(string topic);
}
