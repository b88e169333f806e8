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
/// Keeps one persistent MQTT 5 session to the broker (a <see cref="ResilientMqttClient"/>), subscribes
/// <c>$share/{group}/{filter}</c> at QoS 1 for every registered handler on every connect (a restarted broker forgets
/// shared subscriptions), then opens the broker's start gate (<see cref="BrokerGate"/>), and hands each message to the
/// dispatcher without waiting for it, acknowledging only when it has been durably handled.
/// </summary>
public sealed partial class MqttConsumer : BackgroundService
{
    private readonly MqttServiceOptions _account;
    private readonly MqttConsumerOptions _options;
    private readonly MessageDispatcher _dispatcher;
    private readonly WorkerDiagnostics _diagnostics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<MqttConsumer> _logger;
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly SemaphoreSlim _slots;
    private readonly AckSequencer _acks = new();
    private readonly MqttDeliveryGate _gate;
    // Separate from the stopping token so that in-flight messages get a grace period on shutdown.
    private readonly CancellationTokenSource _processing = new();
    private long _nextMessageId;
    private long _firstStrandedAt; // GetTimestamp() of the first message left unacknowledged since the last connect; 0 if none.
    private volatile bool _stopping;

    public MqttConsumer(
        IConfiguration configuration,
        IOptions<MqttServiceOptions> account,
        IOptions<MqttConsumerOptions> options,
        MessageDispatcher dispatcher,
        WorkerDiagnostics diagnostics,
        TimeProvider timeProvider,
        ILogger<MqttConsumer> logger)
    {
        _account = account.Value;
        _options = options.Value;
        _dispatcher = dispatcher;
        _diagnostics = diagnostics;
        _timeProvider = timeProvider;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxInFlightMessages);
        _gate = new MqttDeliveryGate(_options.ReceiveMaximum);
        MqttClientOptions? clientOptions = null;
        Connection = new ResilientMqttClient(
            "device messages",
            () => clientOptions ??= BuildClientOptions(MqttBrokerAddress.Parse(configuration.GetConnectionString(ResourceNames.Mqtt))),
            _account.Backoff,
            logger,
            timeProvider,
            _gate)
        {
            Connected = SubscribeAndOpenGateAsync,
        };
        Connection.Client.ApplicationMessageReceivedAsync += OnMessageReceivedAsync;
    }

    /// <summary>The consumer's connection, for the health check.</summary>
    public ResilientMqttClient Connection { get; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.WhenAll(Connection.RunAsync(stoppingToken), ReconnectForRedeliveryAsync(stoppingToken));
        }
        finally
        {
            await ShutdownAsync();
        }
    }

    /// <summary>
    /// Once a message had to be left unacknowledged, reconnects <see cref="MqttConsumerOptions.RedeliveryReconnectSeconds"/>
    /// later: the broker redelivers unacknowledged messages only on a new connection (the persistent session keeps them).
    /// </summary>
    private async Task ReconnectForRedeliveryAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _timeProvider, stoppingToken);
                var strandedAt = Interlocked.Read(ref _firstStrandedAt);
                if (strandedAt == 0
                    || !Connection.IsReady
                    || _timeProvider.GetElapsedTime(strandedAt) < TimeSpan.FromSeconds(_options.RedeliveryReconnectSeconds))
                {
                    continue;
                }

                LogReconnectingForRedelivery();
                Interlocked.Exchange(ref _firstStrandedAt, 0);
                await Connection.DisconnectAsync("reconnecting for redelivery"); // RunAsync connects again.
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task SubscribeAndOpenGateAsync(MqttClientConnectResult connected, CancellationToken cancellationToken)
    {
        foreach (var subscription in _dispatcher.Subscriptions)
        {
            var builder = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter($"$share/{_options.SharedGroup}/{subscription.TopicFilter}", MqttQualityOfServiceLevel.AtLeastOnce);
            if (connected.SubscriptionIdentifiersAvailable)
            {
                builder.WithSubscriptionIdentifier(subscription.Identifier);
            }

            await Connection.SubscribeAsync(builder.Build(), cancellationToken);
        }

        // Subscribed: devices may come in now. After a broker start the gate kept them out until this point, so that
        // no message was accepted while no shared subscription existed to deliver it to.
        var opened = await Connection.Client.PublishAsync(BrokerGate.OpenMessage(), cancellationToken);
        if (!opened.IsSuccess)
        {
            // Another broker (no gate plugin) or a missing ACL: the worker runs on, but a broker restart can lose messages.
            LogGateRefused(opened.ReasonCode.ToString(), opened.ReasonString);
        }

        LogSubscribed(_dispatcher.Subscriptions.Count, _options.SharedGroup);
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

        _diagnostics.MessagesReceived.Add(1);
        _diagnostics.MessagesInFlight.Add(1);
        var message = DeviceMessage.From(e.ApplicationMessage, _timeProvider.GetUtcNow());
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
                _diagnostics.MessagesInFlight.Add(-1);
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

        _diagnostics.DeliveryPauses.Add(1);
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
            acknowledge = await _dispatcher.DispatchAsync(message, cancellationToken) != DispatchOutcome.NotAcknowledged;
            if (!acknowledge)
            {
                Interlocked.CompareExchange(ref _firstStrandedAt, _timeProvider.GetTimestamp(), 0);
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
            Interlocked.CompareExchange(ref _firstStrandedAt, _timeProvider.GetTimestamp(), 0);
        }

        try
        {
            // Waits for the messages that arrived before this one: the slot is held until the acknowledgement is sent.
            var acknowledged = await _acks.CompleteAsync(place, acknowledge, cancellationToken);
            (acknowledged ? _diagnostics.MessagesAcknowledged : _diagnostics.MessagesUnacknowledged).Add(1);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _diagnostics.MessagesUnacknowledged.Add(1);
        }
        catch (Exception ex)
        {
            // Typically the connection dropped before the ack: the broker redelivers, and writes are idempotent.
            _diagnostics.MessagesUnacknowledged.Add(1);
            LogAckFailed(ex, message.Topic);
        }
    }

    private async Task ShutdownAsync()
    {
        _stopping = true;
        var pending = _inFlight.Values.ToArray();
        try
        {
            await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(_options.ShutdownGraceSeconds), _timeProvider);
        }
        catch (TimeoutException)
        {
            LogShutdownTimeout(_inFlight.Count);
        }

        await _processing.CancelAsync();
        await Connection.DisconnectAsync();
    }

    private MqttClientOptions BuildClientOptions(MqttBrokerAddress address) =>
        _account.ConnectionTo(address, _account.ClientId)
            // A persistent session: what we have not acknowledged is redelivered when we come back.
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)_account.SessionExpirySeconds)
            .WithReceiveMaximum((ushort)_options.ReceiveMaximum)
            .Build()
            .WithSocketBuffers(_account.SocketBufferBytes);

    public override void Dispose()
    {
        _processing.Dispose();
        _slots.Dispose();
        Connection.Dispose();
        base.Dispose();
    }

    [LoggerMessage(LogLevel.Information, "Subscribed {Count} filters in the shared group {Group}")]
    private partial void LogSubscribed(int count, string group);

    [LoggerMessage(LogLevel.Warning, "The broker refused to open its start gate ({Reason}: {Detail}); without the gate, messages accepted right after a broker restart can be lost")]
    private partial void LogGateRefused(string reason, string? detail);

    [LoggerMessage(LogLevel.Error, "Dispatching a message on {Topic} failed; it stays unacknowledged and the broker will redeliver it")]
    private partial void LogDispatchFailed(Exception exception, string topic);

    [LoggerMessage(LogLevel.Warning, "Could not acknowledge a message on {Topic}; the broker will redeliver it")]
    private partial void LogAckFailed(Exception exception, string topic);

    [LoggerMessage(LogLevel.Warning, "Shutting down with {Count} messages still in flight; they stay unacknowledged and will be redelivered")]
    private partial void LogShutdownTimeout(int count);

    [LoggerMessage(LogLevel.Warning, "Reconnecting to the MQTT broker so that it redelivers the messages left unacknowledged")]
    private partial void LogReconnectingForRedelivery();
}
