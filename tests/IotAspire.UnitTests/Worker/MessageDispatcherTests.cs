using System.Diagnostics;
using System.Text;
using IotAspire.Core.Protocol;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;
using IotAspire.DeviceWorker.Presence;
using IotAspire.DeviceWorker.Provisioning;
using IotAspire.DeviceWorker.RateLimiting;
using IotAspire.DeviceWorker.Shadows;
using IotAspire.DeviceWorker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace IotAspire.UnitTests.Worker;

public class MessageDispatcherTests
{
    private static readonly DateTimeOffset Now = new(2025, 11, 26, 10, 0, 0, TimeSpan.Zero);
    private readonly RecordingDeadLetterSink _deadLetters = new();
    private readonly HandledMessages _handled = new();

    private static DeviceMessage Message(string topic, string payload) =>
        DeviceMessage.Create(topic, Encoding.UTF8.GetBytes(payload), Now);

    private HostApplicationBuilder WorkerBuilder() => WorkerComposition.Create(_deadLetters, _handled);

    private MessageDispatcher Dispatcher(Action<IServiceCollection> register) =>
        DispatcherComposition.Create(_deadLetters, _handled, register);

    [Fact]
    public async Task DispatchAsync_HandlerAddedWithOneLine_ReceivesItsTopicAndTelemetryHandlerDoesNot()
    {
        var builder = WorkerBuilder();

        builder.Services.AddMessageHandler<AlarmHandler>("devices/+/alarms");

        await using var provider = builder.Services.BuildServiceProvider(validateScopes: true);
        var dispatcher = provider.GetRequiredService<MessageDispatcher>();
        // "not json" is what the telemetry handler would dead-letter: no dead letter means it did not run.
        var alarm = Message("devices/dev-1/alarms", "not json");
        var outcome = await dispatcher.DispatchAsync(alarm, CancellationToken.None);

        Assert.Equal(DispatchOutcome.Handled, outcome);
        Assert.Same(alarm, Assert.Single(_handled.Of<AlarmHandler>()));
        Assert.Empty(_deadLetters.Written);
        Assert.Equal(
            [DeviceTopics.TelemetryFilter, ShadowTopics.UpdateFilter, ShadowTopics.GetFilter, DeviceTopics.StatusFilter, ProvisioningTopics.RequestFilter, "devices/+/alarms"],
            dispatcher.Subscriptions.Select(s => s.TopicFilter));
    }

    [Fact]
    public async Task DispatchAsync_TelemetryTopicInWorkerComposition_GoesToTelemetryHandlerOnly()
    {
        var builder = WorkerBuilder();
        builder.Services.AddMessageHandler<AlarmHandler>("devices/+/alarms");
        await using var provider = builder.Services.BuildServiceProvider(validateScopes: true);
        var dispatcher = provider.GetRequiredService<MessageDispatcher>();

        var outcome = await dispatcher.DispatchAsync(Message("devices/dev-1/telemetry", "not json"), CancellationToken.None);

        // The real telemetry handler rejected the payload before touching the database.
        Assert.Equal(DispatchOutcome.Handled, outcome);
        var deadLetter = Assert.Single(_deadLetters.Written);
        Assert.Equal(DeadLetterKinds.InvalidPayload, deadLetter.Kind);
        Assert.StartsWith("invalid JSON", deadLetter.Reason);
        Assert.Equal("dev-1", deadLetter.DeviceId);
        Assert.Empty(_handled.Of<AlarmHandler>());
    }

    [Fact]
    public void AddDeviceWorker_Always_RegistersTelemetryShadowsPresenceAndProvisioningAsOrdinaryHandlers()
    {
        var builder = WorkerBuilder();
        using var provider = builder.Services.BuildServiceProvider();

        var registrations = provider.GetServices<MessageHandlerRegistration>();

        Assert.Equal(
        [
            new MessageHandlerRegistration(DeviceTopics.TelemetryFilter, typeof(TelemetryMessageHandler)),
            new MessageHandlerRegistration(ShadowTopics.UpdateFilter, typeof(ShadowUpdateHandler)),
            new MessageHandlerRegistration(ShadowTopics.GetFilter, typeof(ShadowGetHandler)),
            new MessageHandlerRegistration(DeviceTopics.StatusFilter, typeof(StatusMessageHandler)),
            new MessageHandlerRegistration(ProvisioningTopics.RequestFilter, typeof(ProvisioningRequestHandler)),
        ], registrations);
    }

    [Fact]
    public async Task DispatchAsync_NoMatchingHandler_DeadLettersSoItCanBeAcknowledged()
    {
        var dispatcher = Dispatcher(s => s.AddMessageHandler<AlarmHandler>("devices/+/alarms"));

        var outcome = await dispatcher.DispatchAsync(Message("devices/dev-1/unknown", "{}"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.DeadLettered, outcome);
        var deadLetter = Assert.Single(_deadLetters.Written);
        Assert.Equal("no handler for topic", deadLetter.Reason);
        Assert.Equal("devices/dev-1/unknown", deadLetter.Topic);
        Assert.Empty(_handled.Received);
    }

    [Fact]
    public async Task DispatchAsync_HandlerThrows_DeadLettersWithReason()
    {
        var dispatcher = Dispatcher(s => s.AddMessageHandler<ThrowingHandler>("devices/+/alarms"));

        var outcome = await dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.DeadLettered, outcome);
        var deadLetter = Assert.Single(_deadLetters.Written);
        Assert.StartsWith("handler failed: ", deadLetter.Reason);
        Assert.Contains("boom", deadLetter.Reason);
        Assert.Equal(DeadLetterKinds.HandlerFailed, deadLetter.Kind);
        Assert.Equal("{}"u8.ToArray(), deadLetter.Payload.ToArray());
    }

    [Theory]
    [InlineData("42P01")] // undefined_table: the schema is not what the worker expects
    [InlineData("42501")] // insufficient_privilege
    [InlineData("25006")] // read_only_sql_transaction: a standby
    public async Task DispatchAsync_HandlerMeetsASystemicDatabaseError_RetriesAndDeadLettersNothing(string sqlState)
    {
        var failures = new SystemicFailures(sqlState, times: 2);
        var dispatcher = Dispatcher(s => s.AddSingleton(failures).AddMessageHandler<FailingThenWorkingHandler>("devices/+/alarms"));

        var outcome = await dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.Handled, outcome);
        Assert.Empty(_deadLetters.Written);
        Assert.Equal(3, failures.Attempts);
        Assert.Single(_handled.Of<FailingThenWorkingHandler>());
    }

    [Fact]
    public async Task DispatchAsync_HandlerMeetsADataError_DeadLettersAtOnce()
    {
        var failures = new SystemicFailures("22P02", times: 1); // invalid_text_representation: this message's data
        var dispatcher = Dispatcher(s => s.AddSingleton(failures).AddMessageHandler<FailingThenWorkingHandler>("devices/+/alarms"));

        var outcome = await dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.DeadLettered, outcome);
        Assert.Equal(1, failures.Attempts);
    }

    [Fact]
    public async Task DispatchAsync_SystemicErrorUntilShutdown_LeavesTheMessageUnacknowledged()
    {
        var failures = new SystemicFailures("42P01", times: int.MaxValue);
        var dispatcher = Dispatcher(s => s.AddSingleton(failures).AddMessageHandler<FailingThenWorkingHandler>("devices/+/alarms"));
        using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), shutdown.Token));

        Assert.Empty(_deadLetters.Written);
        Assert.True(failures.Attempts >= 2);
    }

    [Fact]
    public async Task DispatchAsync_HandlerThrowsAndDeadLetterFails_IsNotAcknowledged()
    {
        var dispatcher = Dispatcher(s => s.AddMessageHandler<ThrowingHandler>("devices/+/alarms"));
        _deadLetters.Fail = true;

        var outcome = await dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.NotAcknowledged, outcome);
    }

    [Fact]
    public async Task DispatchAsync_NoHandlerAndDeadLetterFails_IsNotAcknowledged()
    {
        var dispatcher = Dispatcher(_ => { });
        _deadLetters.Fail = true;

        var outcome = await dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.NotAcknowledged, outcome);
    }

    [Fact]
    public async Task DispatchAsync_CancelledWhileHandling_Throws()
    {
        var dispatcher = Dispatcher(s => s.AddMessageHandler<CancelledHandler>("devices/+/alarms"));
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), cancellation.Token));
        Assert.Empty(_deadLetters.Written);
    }

    [Fact]
    public async Task DispatchAsync_OverlappingFiltersWithSubscriptionIdentifier_OnlyThatSubscriptionsHandler()
    {
        var dispatcher = Dispatcher(s => s
            .AddMessageHandler<AlarmHandler>("devices/+/alarms")
            .AddMessageHandler<CatchAllHandler>("devices/#"));
        var catchAllId = dispatcher.Subscriptions.Single(x => x.TopicFilter == "devices/#").Identifier;
        var message = Message("devices/dev-1/alarms", "{}") with { SubscriptionIdentifiers = [catchAllId] };

        await dispatcher.DispatchAsync(message, CancellationToken.None);

        Assert.Single(_handled.Of<CatchAllHandler>());
        Assert.Empty(_handled.Of<AlarmHandler>());
    }

    [Fact]
    public async Task DispatchAsync_OverlappingFiltersWithoutSubscriptionIdentifiers_AllMatchingHandlers()
    {
        var dispatcher = Dispatcher(s => s
            .AddMessageHandler<AlarmHandler>("devices/+/alarms")
            .AddMessageHandler<CatchAllHandler>("devices/#"));

        await dispatcher.DispatchAsync(Message("devices/dev-1/alarms", "{}"), CancellationToken.None);

        Assert.Single(_handled.Of<CatchAllHandler>());
        Assert.Single(_handled.Of<AlarmHandler>());
    }

    [Fact]
    public async Task DispatchAsync_MessageWithTraceparent_HandlerRunsInThatTrace()
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkerDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);
        var dispatcher = Dispatcher(s => s.AddMessageHandler<TraceRecordingHandler>("devices/+/alarms"));
        var traceId = ActivityTraceId.CreateRandom();
        var message = Message("devices/dev-1/alarms", "{}") with
        {
            UserProperties = [KeyValuePair.Create("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01")],
        };

        await dispatcher.DispatchAsync(message, CancellationToken.None);

        Assert.Equal(traceId, Assert.Single(_handled.TraceIds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("devices/#/x")]
    [InlineData("devices/a+")]
    [InlineData("$share/group/devices/+/alarms")]
    public void AddMessageHandler_InvalidFilter_Throws(string filter)
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddMessageHandler<AlarmHandler>(filter));
    }

    /// <summary>Throws a PostgreSQL error with the given SQLSTATE for the first <c>times</c> attempts.</summary>
    private sealed class SystemicFailures(string sqlState, int times)
    {
        private int _attempts;

        public int Attempts => _attempts;

        public void Next()
        {
            if (Interlocked.Increment(ref _attempts) <= times)
            {
                throw new Npgsql.PostgresException("simulated", "ERROR", "ERROR", sqlState);
            }
        }
    }

    private sealed class FailingThenWorkingHandler(SystemicFailures failures, HandledMessages handled) : IDeviceMessageHandler
    {
        public Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
        {
            failures.Next();
            handled.Received.Enqueue((nameof(FailingThenWorkingHandler), message));
            return Task.CompletedTask;
        }
    }

    private sealed class CancelledHandler : IDeviceMessageHandler
    {
        public Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken) =>
            Task.FromCanceled(cancellationToken);
    }

    private sealed class TraceRecordingHandler(HandledMessages handled) : IDeviceMessageHandler
    {
        public Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
        {
            handled.TraceIds.Enqueue(Activity.Current?.TraceId ?? default);
            return Task.CompletedTask;
        }
    }
}
