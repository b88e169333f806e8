using System.Text;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;
using IotAspire.DeviceWorker.RateLimiting;
using IotAspire.UnitTests.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace IotAspire.UnitTests.RateLimiting;

public class RateLimitedDispatchTests
{
    private readonly RecordingDeadLetterSink _deadLetters = new();
    private readonly HandledMessages _handled = new();
    private readonly ManualClock _clock = new();

    private MessageDispatcher Dispatcher(int burst) =>
        DispatcherComposition.Create(
            _deadLetters,
            _handled,
            services => services.AddMessageHandler<CatchAllHandler>("devices/#"),
            _clock,
            options => (options.MessagesPerSecond, options.Burst) = (1, burst));

    private DeviceMessage Message(string topic) => DeviceMessage.Create(topic, Encoding.UTF8.GetBytes("{}"), _clock.GetUtcNow());

    private static async Task<List<DispatchOutcome>> DispatchAllAsync(MessageDispatcher dispatcher, IEnumerable<DeviceMessage> messages)
    {
        var outcomes = new List<DispatchOutcome>();
        foreach (var message in messages)
        {
            outcomes.Add(await dispatcher.DispatchAsync(message, CancellationToken.None));
        }

        return outcomes;
    }

    [Fact]
    public async Task DispatchAsync_OverTheLimit_DropsBeforeTheHandlerAndDeadLettersOnce()
    {
        var dispatcher = Dispatcher(burst: 5);

        var outcomes = await DispatchAllAsync(dispatcher, Enumerable.Range(0, 50).Select(_ => Message("devices/flooder/telemetry")));

        Assert.Equal(5, outcomes.Count(o => o == DispatchOutcome.Handled));
        Assert.Equal(45, outcomes.Count(o => o == DispatchOutcome.RateLimited));
        Assert.Equal(5, _handled.Of<CatchAllHandler>().Count());
        var deadLetter = Assert.Single(_deadLetters.Written);
        Assert.Equal(DeadLetterKinds.RateLimited, deadLetter.Kind);
        Assert.Equal("flooder", deadLetter.DeviceId);
        Assert.Contains("rate limit exceeded", deadLetter.Reason);
    }

    [Fact]
    public async Task DispatchAsync_FloodLastsMinutes_OneDeadLetterPerMinute()
    {
        var dispatcher = Dispatcher(burst: 5);

        for (var second = 0; second < 150; second++)
        {
            await DispatchAllAsync(dispatcher, Enumerable.Range(0, 20).Select(_ => Message("devices/flooder/telemetry")));
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(3, _deadLetters.Written.Count);
        Assert.Contains("1136 message(s) dropped", _deadLetters.Written.ElementAt(1).Reason);
    }

    [Fact]
    public async Task DispatchAsync_StatusOfAFloodingDevice_IsNeverDropped()
    {
        var dispatcher = Dispatcher(burst: 1);
        await DispatchAllAsync(dispatcher, Enumerable.Range(0, 10).Select(_ => Message("devices/flooder/telemetry")));

        var outcome = await dispatcher.DispatchAsync(Message("devices/flooder/status"), CancellationToken.None);

        Assert.Equal(DispatchOutcome.Handled, outcome);
    }

    [Fact]
    public async Task DispatchAsync_DeadLetterStoreDown_LeavesTheReportedDropUnacknowledged()
    {
        var dispatcher = Dispatcher(burst: 1);
        _deadLetters.Fail = true;

        var outcomes = await DispatchAllAsync(dispatcher, Enumerable.Range(0, 3).Select(_ => Message("devices/flooder/telemetry")));

        Assert.Equal([DispatchOutcome.Handled, DispatchOutcome.NotAcknowledged, DispatchOutcome.RateLimited], outcomes);
    }
}
