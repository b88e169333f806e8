using System.Diagnostics;
using System.Globalization;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Ingest;

/// <summary>
/// The worker's per-device rate limit (StackFixture: 200 messages/s, burst 5,000): a device flooding messages gets
/// cut off, recorded once as a <c>rate_limited</c> dead letter, while another device's messages are all stored promptly.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DeviceRateLimitTests(StackFixture stack)
{
    private const int FloodMessages = 30_000;
    private const int QuietMessages = 20;
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Flood_OneDeviceFarOverItsLimit_OtherDeviceStoredPromptlyAndFloodRecordedOnce()
    {
        var flooder = await DeviceCredentials.RegisterAsync(stack, "flooder");
        var quiet = await DeviceCredentials.RegisterAsync(stack, "quiet");
        var start = DateTimeOffset.UtcNow.AddHours(-1);
        var lines = string.Join('\n', Enumerable.Range(0, FloodMessages).Select(i =>
            $$"""{"ts":"{{start.AddMilliseconds(i).ToString("O", CultureInfo.InvariantCulture)}}","seq":{{i}}}"""));
        var clock = Stopwatch.StartNew();

        var flood = ProcessRunner.RunAsync("mosquitto_pub",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", flooder.Username, "-P", flooder.Password, "-i", flooder.Username, "-q", "1",
            "-t", $"devices/{flooder.Id}/telemetry", "-l",
        ], lines + "\n");
        await Task.Delay(TimeSpan.FromMilliseconds(300)); // The flood is under way.
        for (var i = 0; i < QuietMessages / 2; i++)
        {
            await PublishQuietAsync(quiet, i);
        }

        var flooded = await flood;
        Assert.True(flooded.ExitCode == 0, flooded.Error);
        // Behind the whole flood in the broker's queue: the worker must get through it fast, dropping most of it.
        for (var i = QuietMessages / 2; i < QuietMessages; i++)
        {
            await PublishQuietAsync(quiet, i);
        }

        await Eventually.ReturnsAsync(
            () => Database.CountTelemetryAsync(stack, quiet.Id), count => count == QuietMessages, Prompt, "every message of the quiet device stored");

        // Everything the flooder sent is handled (stored or dropped) once its stored count stops growing.
        var stored = await SettledCountAsync(flooder.Id);
        var allowed = StackFixture.WorkerRateLimitBurst + (StackFixture.WorkerRateLimitPerSecond * clock.Elapsed.TotalSeconds);
        Assert.InRange(stored, StackFixture.WorkerRateLimitBurst, Math.Min(allowed, FloodMessages - 1));

        var deadLetters = await Database.DeadLettersAsync(stack, flooder.Id);
        Assert.NotEmpty(deadLetters);
        Assert.All(deadLetters, d => Assert.Contains("rate limit exceeded", d.Reason, StringComparison.Ordinal));
        Assert.InRange(deadLetters.Count, 1, 1 + (int)clock.Elapsed.TotalMinutes); // once per device per minute
        Assert.Empty(await Database.DeadLettersAsync(stack, quiet.Id));
    }

    private async Task PublishQuietAsync(DeviceCredentials quiet, int n)
    {
        var sent = await MosquittoCli.PublishAsync(stack, quiet, $"devices/{quiet.Id}/telemetry", $$"""{"n":{{n}}}""");
        Assert.True(sent.ExitCode == 0, sent.Error);
    }

    private async Task<long> SettledCountAsync(string deviceId)
    {
        var deadline = Stopwatch.StartNew();
        var previous = -1L;
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            var count = await Database.CountTelemetryAsync(stack, deviceId);
            if (count == previous)
            {
                return count;
            }

            previous = count;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException($"the stored count of {deviceId} still grows after 60 s");
    }
}
