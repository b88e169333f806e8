using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Core.Events;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Shadows;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;
using IotAspire.DeviceWorker.Shadows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace IotAspire.UnitTests.Worker;

public sealed class ShadowHandlerTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly InMemoryShadowStore _store = new(Now);
    private readonly RecordingDevicePublisher _mqtt = new();
    private readonly RecordingEventPublisher _events = new();
    private readonly RecordingDeadLetterSink _deadLetters = new();
    private readonly RetainedDeltaRepairs _repairs;

    public ShadowHandlerTests() =>
        _repairs = new RetainedDeltaRepairs(new RetainedDelta(_mqtt, _store), NullLogger<RetainedDeltaRepairs>.Instance);

    [Fact]
    public async Task Update_Reported_PublishesAcceptedDocumentsAndAShadowEvent()
    {
        await UpdateAsync("dev-1", """{"state":{"reported":{"led":"on"}},"clientToken":"c1"}""");

        Assert.Equal(["devices/dev-1/shadow/update/accepted", "devices/dev-1/shadow/update/documents"], _mqtt.Topics);
        var accepted = _mqtt.Json("devices/dev-1/shadow/update/accepted");
        Assert.Equal(1, accepted["version"]!.GetValue<long>());
        Assert.Equal("c1", accepted["clientToken"]!.GetValue<string>());
        Assert.Equal(DeviceEvent.Shadow, Assert.Single(_events.Published).Type);
    }

    [Theory]
    [InlineData("""{"state":[],"clientToken":"c2"}""", 400)]
    [InlineData("""{"state":{"reported":{"a":1}},"version":99,"clientToken":"c2"}""", 409)]
    public async Task Update_Refused_PublishesRejectedWithTheClientTokenAndStoresNothing(string request, int code)
    {
        await UpdateAsync("dev-2", request);

        var rejected = _mqtt.Json("devices/dev-2/shadow/update/rejected");
        Assert.Equal(code, rejected["code"]!.GetValue<int>());
        Assert.Equal("c2", rejected["clientToken"]!.GetValue<string>());
        Assert.Equal(["devices/dev-2/shadow/update/rejected"], _mqtt.Topics);
        Assert.Null(await _store.GetAsync("dev-2", CancellationToken.None));
        Assert.Empty(_deadLetters.Written);
    }

    [Fact]
    public async Task Update_NotJson_IsRejectedNotDeadLettered()
    {
        await UpdateAsync("dev-3", "garbage");

        Assert.Equal(400, _mqtt.Json("devices/dev-3/shadow/update/rejected")["code"]!.GetValue<int>());
        Assert.Empty(_deadLetters.Written);
    }

    [Fact]
    public async Task Update_HugeRequest_IsRejected413Unparsed()
    {
        var huge = "{\"state\":{\"reported\":{\"blob\":\"" + new string('x', ShadowUpdateHandler.MaxRequestBytes) + "\"}}}";

        await UpdateAsync("dev-4", huge);

        Assert.Equal(413, _mqtt.Json("devices/dev-4/shadow/update/rejected")["code"]!.GetValue<int>());
    }

    [Fact]
    public async Task Update_RepliesCannotBePublished_KeepsTheUpdateAndDoesNotThrow()
    {
        _mqtt.Fail = true;

        await UpdateAsync("dev-5", """{"state":{"reported":{"led":"on"}}}""");

        Assert.Equal(1, (await _store.GetAsync("dev-5", CancellationToken.None))!.Version);
    }

    [Fact]
    public async Task Get_ExistingShadow_PublishesTheDocumentWithDeltaAndClientToken()
    {
        await UpdateAsync("dev-6", """{"state":{"desired":{"led":"on"},"reported":{"led":"off"}}}""");
        _mqtt.Clear();

        await GetAsync("dev-6", """{"clientToken":"g1"}""");

        var document = _mqtt.Json("devices/dev-6/shadow/get/accepted");
        Assert.Equal(1, document["version"]!.GetValue<long>());
        Assert.Equal("on", document["state"]!["delta"]!["led"]!.GetValue<string>());
        Assert.Equal("g1", document["clientToken"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_NoShadow_PublishesRejected404WithClientToken()
    {
        await GetAsync("dev-7", """{"clientToken":"g2"}""");

        var rejected = _mqtt.Json("devices/dev-7/shadow/get/rejected");
        Assert.Equal(404, rejected["code"]!.GetValue<int>());
        Assert.Equal("g2", rejected["clientToken"]!.GetValue<string>());
        Assert.NotNull(rejected["message"]);
        Assert.NotNull(rejected["timestamp"]);
    }

    [Fact]
    public async Task Update_DeltaCannotBePublished_SchedulesARepairOfTheRetainedDelta()
    {
        _mqtt.Fail = true;

        await UpdateAsync("dev-8", """{"state":{"desired":{"led":"on"}}}""");

        Assert.Equal(1, _repairs.Pending);
    }

    [Fact]
    public async Task Update_SameRequestAgain_IsAnsweredWithTheFirstAnswerOnly()
    {
        var store = new RepeatingShadowStore(_store);
        await UpdateAsync("dev-9", """{"state":{"reported":{"led":"on"}},"clientToken":"once"}""", store);
        _mqtt.Clear();
        _events.Published.Clear();

        await UpdateAsync("dev-9", """{"state":{"reported":{"led":"on"}},"clientToken":"once"}""", store);

        Assert.Equal(["devices/dev-9/shadow/update/accepted"], _mqtt.Topics);
        Assert.Equal(1, _mqtt.Json("devices/dev-9/shadow/update/accepted")["version"]!.GetValue<long>());
        Assert.Empty(_events.Published);
        Assert.Equal(1, (await _store.GetAsync("dev-9", CancellationToken.None))!.Version);
    }

    private Task UpdateAsync(string deviceId, string payload, IShadowStore? store = null)
    {
        var clock = new FixedClock(Now);
        var notifier = new ShadowNotifier(_mqtt, _events, new RetainedDelta(_mqtt, store ?? _store), _repairs, clock);
        var handler = new ShadowUpdateHandler(store ?? _store, notifier, _deadLetters, Diagnostics(), NullLogger<ShadowUpdateHandler>.Instance);
        return handler.HandleAsync(Message($"devices/{deviceId}/shadow/update", payload), CancellationToken.None);
    }

    private Task GetAsync(string deviceId, string payload) =>
        new ShadowGetHandler(_store, _mqtt, _deadLetters, new FixedClock(Now))
            .HandleAsync(Message($"devices/{deviceId}/shadow/get", payload), CancellationToken.None);

    private static DeviceMessage Message(string topic, string payload) => DeviceMessage.Create(topic, Encoding.UTF8.GetBytes(payload), Now);

    private static WorkerDiagnostics Diagnostics() =>
        new ServiceCollection().AddMetrics().AddSingleton<WorkerDiagnostics>().BuildServiceProvider().GetRequiredService<WorkerDiagnostics>();
}

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Applies <see cref="ShadowRules"/> like the Redis store, without its concurrency control.</summary>
internal sealed class InMemoryShadowStore(DateTimeOffset now) : IShadowStore
{
    private readonly ConcurrentDictionary<string, ShadowState> _shadows = new();

    public Task<ShadowState?> GetAsync(string deviceId, CancellationToken cancellationToken) =>
        Task.FromResult(_shadows.TryGetValue(deviceId, out var state) ? state.Clone() : null);

    public Task<ShadowApplyResult> UpdateAsync(string deviceId, ShadowUpdate update, CancellationToken cancellationToken)
    {
        var result = ShadowRules.Apply(_shadows.GetValueOrDefault(deviceId), update, now);
        if (result.State is not null)
        {
            _shadows[deviceId] = result.State;
        }

        return Task.FromResult(result);
    }

    public Task DeleteAsync(string deviceId, CancellationToken cancellationToken) =>
        Task.FromResult(_shadows.TryRemove(deviceId, out _));
}

/// <summary>Remembers accepted requests by fingerprint, as the Redis store does, over another store.</summary>
internal sealed class RepeatingShadowStore(IShadowStore inner) : IShadowStore
{
    private readonly ConcurrentDictionary<string, JsonObject> _answers = new();

    public Task<ShadowState?> GetAsync(string deviceId, CancellationToken cancellationToken) => inner.GetAsync(deviceId, cancellationToken);

    public async Task<ShadowApplyResult> UpdateAsync(string deviceId, ShadowUpdate update, CancellationToken cancellationToken)
    {
        var key = deviceId + ":" + update.RequestFingerprint();
        if (update.RequestFingerprint() is not null && _answers.TryGetValue(key, out var answer))
        {
            return ShadowApplyResult.Repeat(await inner.GetAsync(deviceId, cancellationToken), answer);
        }

        var result = await inner.UpdateAsync(deviceId, update, cancellationToken);
        if (result.Accepted is not null && update.RequestFingerprint() is not null)
        {
            _answers[key] = result.Accepted;
        }

        return result;
    }

    public Task DeleteAsync(string deviceId, CancellationToken cancellationToken) => inner.DeleteAsync(deviceId, cancellationToken);
}

internal sealed class RecordingDevicePublisher : IMqttPublisher
{
    private readonly ConcurrentQueue<(string Topic, byte[] Payload, bool Retain)> _published = new();

    public bool Fail { get; set; }

    public IReadOnlyList<string> Topics => _published.Select(p => p.Topic).ToArray();

    public JsonObject Json(string topic) =>
        JsonNode.Parse(_published.Single(p => p.Topic == topic).Payload)!.AsObject();

    /// <summary>What the broker would keep as the topic's retained message (null: none, or cleared).</summary>
    public JsonObject? Retained(string topic) =>
        _published.LastOrDefault(p => p.Topic == topic && p.Retain) is { Payload.Length: > 0 } last ? JsonNode.Parse(last.Payload)!.AsObject() : null;

    public void Clear() => _published.Clear();

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new InvalidOperationException("not connected");
        }

        _published.Enqueue((topic, payload.ToArray(), retain));
        return Task.CompletedTask;
    }
}

internal sealed class RecordingEventPublisher : IDeviceEventPublisher
{
    public ConcurrentQueue<DeviceEvent> Published { get; } = new();

    public Task PublishAsync(DeviceEvent deviceEvent, CancellationToken cancellationToken)
    {
        Published.Enqueue(deviceEvent);
        return Task.CompletedTask;
    }

    public Task PublishAsync(IReadOnlyCollection<DeviceEvent> deviceEvents, CancellationToken cancellationToken)
    {
        foreach (var deviceEvent in deviceEvents)
        {
            Published.Enqueue(deviceEvent);
        }

        return Task.CompletedTask;
    }
}
