using IotAspire.Core.Shadows;
using IotAspire.UnitTests.Worker;

namespace IotAspire.UnitTests.Shadows;

public sealed class RetainedDeltaTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private const string DeltaTopic = "devices/dev-1/shadow/update/delta";
    private readonly InMemoryShadowStore _store = new(Now);
    private readonly RecordingDevicePublisher _mqtt = new();

    [Fact]
    public async Task Publish_AnOlderDeltaAfterANewerWrite_EndsWithTheStoredDelta()
    {
        // Version 1 asked for led=on; before its writer published, version 2 asked for led=off.
        var first = await ApplyAsync("""{"state":{"desired":{"led":"on"}}}""");
        await ApplyAsync("""{"state":{"desired":{"led":"off"}}}""");

        await new RetainedDelta(_mqtt, _store).PublishAsync("dev-1", first.DeltaMessage, CancellationToken.None);

        var retained = _mqtt.Retained(DeltaTopic);
        Assert.Equal("off", retained!["state"]!["led"]!.GetValue<string>());
        Assert.Equal(2, retained["version"]!.GetValue<long>());
    }

    [Fact]
    public async Task Publish_AnOlderDeltaAfterReportedCaughtUp_ClearsTheRetainedDelta()
    {
        var first = await ApplyAsync("""{"state":{"desired":{"led":"on"}}}""");
        await ApplyAsync("""{"state":{"reported":{"led":"on"}}}""");

        await new RetainedDelta(_mqtt, _store).PublishAsync("dev-1", first.DeltaMessage, CancellationToken.None);

        Assert.Null(_mqtt.Retained(DeltaTopic));
        Assert.Equal(2, _mqtt.Topics.Count); // The stale delta, then the clearing empty message.
    }

    [Fact]
    public async Task Publish_TheStoredDelta_PublishesOnce()
    {
        var only = await ApplyAsync("""{"state":{"desired":{"led":"on"}}}""");

        await new RetainedDelta(_mqtt, _store).PublishAsync("dev-1", only.DeltaMessage, CancellationToken.None);

        Assert.Equal([DeltaTopic], _mqtt.Topics);
    }

    private Task<ShadowApplyResult> ApplyAsync(string request) =>
        _store.UpdateAsync("dev-1", ShadowRules.ParseUpdate(System.Text.Encoding.UTF8.GetBytes(request), ShadowWriter.Device).Update!, CancellationToken.None);
}
