using System.Collections.Concurrent;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>
/// Keeps one persistent MQTT 5 session to the broker, subscribes <c>$share/{group}/{filter}</c> at QoS 1 for every
/// registered handler on every connect (a restarted broker forgets shared subscriptions), then opens the broker's
/// start gate (<see cref="BrokerGate"/>), and hands each message to the dispatcher without waiting for it,
/// acknowledging only when it has been durably handled.
/// </summary>
public sealed partial class MqttConsumer(
    IConfiguration configuration,
    IOptions<MqttOptions> options,
    MessageDispatcher dispatcher,
    MqttConnectionState state,
    WorkerDiagnostics diagnostics,
    TimeProvider timeProvider,
    ILogger<MqttConsumer> logger) : BackgroundService
{
    private static readonly TimeSpan MinReconnectDelay = TimeSpan.FromMilliseconds(250);
    private readonly MqttOptions _options = options.Value;
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly SemaphoreSlim _disconnected = new(0);
    private readonly SemaphoreSlim _slots = new(options.Value.MaxInFlightMessages);
    private readonly AckSequencer _acks = new();
    private readonly MqttDeliveryGate _gate = new(options.Value.ReceiveMaximum);
    // Separate from the stopping token so that in-flight messages get a grace period on shutdown.
    private readonly CancellationTokenSource _processing = new();
    private long _nextMessageId;
    private long _firstStrandedAt; // GetTimestamp() of the first message left unacknowledged since the last connect; 0 if none.
    private volatile bool _stopping;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var address = MqttBrokerAddress.Parse(configuration.GetConnectionString(ResourceNames.Mqtt));
        var clientOptions = BuildClientOptions(address);
        using var client = new MqttClientFactory().CreateMqttClient(_gate);
        client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected && !_stopping)
            {
                state.SetDisconnected($"disconnected ({e.Reason}): {e.Exception?.Message ?? e.ReasonString}");
                LogDisconnected(e.Reason.ToString(), e.Exception?.Message ?? e.ReasonString);
            }

            _disconnected.Release();
            return Task.CompletedTask;
        };

        try
        {
            await KeepConnectedAsync(client, clientOptions, address, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
        finally
        {
            await ShutdownAsync(client);
        }
    }

    private async Task KeepConnectedAsync(IMqttClient client, MqttClientOptions clientOptions, MqttBrokerAddress address, CancellationToken stoppingToken)
    {
        var delay = MinReconnectDelay;
        var maxDelay = TimeSpan.FromSeconds(_options.MaxReconnectDelaySeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (client.IsConnected)
            {
                await _disconnected.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                await ReconnectIfMessagesStrandedAsync(client);
                continue;
            }

            try
            {
                await ConnectAndSubscribeAsync(client, clientOptions, stoppingToken);
                state.SetConnected();
                delay = MinReconnectDelay;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                state.SetDisconnected(ex.Message);
                LogConnectFailed(ex, address.Host, address.Port, delay.TotalSeconds);
                await DisconnectQuietlyAsync(client);
                // Jitter keeps replicas from reconnecting in lock step after a broker restart.
                await Task.Delay(delay + TimeSpan.FromMilliseconds(Random.Shared.Next(0, 250)), timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, maxDelay.Ticks));
            }
        }
    }

    private async Task ReconnectIfMessagesStrandedAsync(IMqttClient client)
    {
        var strandedAt = Interlocked.Read(ref _firstStrandedAt);
        if (strandedAt == 0
            || timeProvider.GetElapsedTime(strandedAt) < TimeSpan.FromSeconds(_options.RedeliveryReconnectSeconds))
        {
            return;
        }

        LogReconnectingForRedelivery();
        Interlocked.Exchange(ref _firstStrandedAt, 0);
        await DisconnectQuietlyAsync(client); // The loop reconnects; the persistent session brings the messages back.
    }

    private async Task ConnectAndSubscribeAsync(IMqttClient client, MqttClientOptions clientOptions, CancellationToken cancellationToken)
    {
        var result = await client.ConnectAsync(clientOptions, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            // MQTTnet does not throw on a refused login; the result code says why.
            throw new InvalidOperationException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}");
        }

        foreach (var subscription in dispatcher.Subscriptions)
        {
            var sharedFilter = $"$share/{_options.SharedGroup}/{subscription.TopicFilter}";
            var builder = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(sharedFilter, MqttQualityOfServiceLevel.AtLeastOnce);
            if (result.SubscriptionIdentifiersAvailable)
            {
                builder.WithSubscriptionIdentifier(subscription.Identifier);
            }

            var subscribed = await client.SubscribeAsync(builder.Build(), cancellationToken);
            foreach (var item in subscribed.Items)
            {
                if (item.ResultCode != MqttClientSubscribeResultCode.GrantedQoS1)
                {
                    throw new InvalidOperationException($"the broker refused the subscription {sharedFilter}: {item.ResultCode}");
                }
            }
        }

        // Subscribed: devices may come in now. After a broker start the gate kept them out until this point, so that
        // no message was accepted while no shared subscription existed to deliver it to.
        var opened = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(BrokerGate.Topic)
            .WithPayload(BrokerGate.OpenPayload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken);
        if (!opened.IsSuccess)
        {
            // Another broker (no gate plugin) or a missing ACL: the worker runs on, but a broker restart can lose messages.
            LogGateRefused(opened.ReasonCode.ToString(), opened.ReasonString);
        }

        LogConnected(clientOptions.ClientId, result.IsSessionPresent, dispatcher.Subscriptions.Count);
    }

    private async Task OnMessageReceivedAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        e.AutoAcknowledge = false;
        _gate.Taken();
        // Waiting here holds up MQTTnet's delivery loop; once its queue is full, the gate stops reading the socket.
        if (_stopping || !await TakeSlotAsync())
        {
            return; // Left unacknowledged: the broker redelivers it to us or another replica.
        }

        diagnostics.MessagesReceived.Add(1);
        diagnostics.MessagesInFlight.Add(1);
        var message = DeviceMessage.From(e.ApplicationMessage, timeProvider.GetUtcNow());
        // MQTTnet raises this event for one message at a time, in arrival order: the order the acknowledgements keep.
        var place = _acks.Arrived(e.AcknowledgeAsync);
        // Not awaited here: awaiting in the receive event would handle one message at a time.
        var id = Interlocked.Increment(ref _nextMessageId);
        var processing = ProcessAsync(message, place);
        _inFlight[id] = processing;
        // Removed by a continuation so that removal always follows the add, however fast processing is.
        _ = processing.ContinueWith(
            (_, messageId) =>
            {
                _inFlight.TryRemove((long)messageId!, out Task? _);
                diagnostics.MessagesInFlight.Add(-1);
                _slots.Release();
            },
            id,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private async Task<bool> TakeSlotAsync()
    {
        if (_slots.Wait(0))
        {
            return true;
        }

        diagnostics.DeliveryPauses.Add(1);
        try
        {
            await _slots.WaitAsync(_processing.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task ProcessAsync(DeviceMessage message, AckSequencer.Entry place)
    {
        await Task.Yield(); // Return to MQTTnet's receive loop at once.
        var cancellationToken = _processing.Token;
        var acknowledge = false;
        try
        {
            acknowledge = await dispatcher.DispatchAsync(message, cancellationToken) != DispatchOutcome.NotAcknowledged;
            if (!acknowledge)
            {
                Interlocked.CompareExchange(ref _firstStrandedAt, timeProvider.GetTimestamp(), 0);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: left unacknowledged, the broker redelivers it.
        }
        catch (Exception ex)
        {
            // The dispatcher dead-letters what handlers throw; this is a fault of its own. The message must still
            // take its turn below, or every acknowledgement after it would wait for it forever.
            LogDispatchFailed(ex, message.Topic);
            Interlocked.CompareExchange(ref _firstStrandedAt, timeProvider.GetTimestamp(), 0);
        }

        try
        {
            // Waits for the messages that arrived before this one: the slot is held until the acknowledgement is sent.
            var acknowledged = await _acks.CompleteAsync(place, acknowledge, cancellationToken);
            (acknowledged ? diagnostics.MessagesAcknowledged : diagnostics.MessagesUnacknowledged).Add(1);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            diagnostics.MessagesUnacknowledged.Add(1);
        }
        catch (Exception ex)
        {
            // Typically the connection dropped before the ack: the broker redelivers, and writes are idempotent.
            diagnostics.MessagesUnacknowledged.Add(1);
            LogAckFailed(ex, message.Topic);
        }
    }

    private async Task ShutdownAsync(IMqttClient client)
    {
        _stopping = true;
        var pending = _inFlight.Values.ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(_options.ShutdownGraceSeconds), timeProvider);
        }
        catch (TimeoutException)
        {
            LogShutdownTimeout(_inFlight.Count);
        }

        await _processing.CancelAsync();
        await DisconnectQuietlyAsync(client);
        state.SetDisconnected("stopped");
    }

    private async Task DisconnectQuietlyAsync(IMqttClient client)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token);
        }
        catch (Exception ex)
        {
            LogDisconnectFailed(ex);
        }
    }

    private MqttClientOptions BuildClientOptions(MqttBrokerAddress address) =>
        _options.ConnectionTo(address, _options.ClientId)
            // A persistent session: what we have not acknowledged is redelivered when we come back.
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_options.SessionExpirySeconds)
            .WithReceiveMaximum((ushort)_options.ReceiveMaximum)
            .Build()
            .WithSocketBuffers(_options.SocketBufferBytes);

    public override void Dispose()
    {
        _processing.Dispose();
        _disconnected.Dispose();
        _slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Connected to the MQTT broker as {ClientId} (session present: {SessionPresent}); subscribed {Count} filters")]
    private partial void LogConnected(string clientId, bool sessionPresent, int count);

    [LoggerMessage(LogLevel.Warning, "The broker refused to open its start gate ({Reason}: {Detail}); without the gate, messages accepted right after a broker restart can be lost")]
    private partial void LogGateRefused(string reason, string? detail);

    [LoggerMessage(LogLevel.Warning, "Disconnected from the MQTT broker ({Reason}): {Detail}")]
    private partial void LogDisconnected(string reason, string? detail);

    [LoggerMessage(LogLevel.Warning, "Could not connect to the MQTT broker at {Host}:{Port}; retrying in {DelaySeconds:0.##} s")]
    private partial void LogConnectFailed(Exception exception, string host, int port, double delaySeconds);

    [LoggerMessage(LogLevel.Error, "Dispatching a message on {Topic} failed; it stays unacknowledged and the broker will redeliver it")]
    private partial void LogDispatchFailed(Exception exception, string topic);

    [LoggerMessage(LogLevel.Warning, "Could not acknowledge a message on {Topic}; the broker will redeliver it")]
    private partial void LogAckFailed(Exception exception, string topic);

    [LoggerMessage(LogLevel.Warning, "Shutting down with {Count} messages still in flight; they stay unacknowledged and will be redelivered")]
    private partial void LogShutdownTimeout(int count);

    [LoggerMessage(LogLevel.Warning, "Reconnecting to the MQTT broker so that it redelivers the messages left unacknowledged")]
    private partial void LogReconnectingForRedelivery();

    [LoggerMessage(LogLevel.Debug, "Disconnecting from the MQTT broker failed")]
    private partial void LogDisconnectFailed(Exception exception);
}
