using System.Globalization;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Queries;

/// <summary>A numeric point a test sent, with its own timestamp.</summary>
public sealed record SentPoint(string Metric, DateTime T, double Value);

/// <summary>A bucket as the Api returns it, or as a test computes it from the points it sent.</summary>
public sealed record Bucket(DateTime T, double Min, double Max, double Avg, long Count);

/// <summary>Publishes past points with explicit timestamps, and computes from them what the Api must answer.</summary>
public static class SentTelemetry
{
    /// <summary>Midnight (UTC) a few days ago: recent enough for any raw retention, old enough to be history.</summary>
    public static DateTime DaysAgo(int days) => DateTime.UtcNow.Date.AddDays(-days);

    /// <summary>Every message in the seed shape (each value with its own timestamp), all in one real mosquitto_pub -l run.</summary>
    public static async Task PublishAsync(StackFixture stack, DeviceCredentials device, IEnumerable<IEnumerable<SentPoint>> messages)
    {
        var lines = messages.Select(points => JsonSerializer.Serialize(new
        {
            values = points.Select(p => new { name = p.Metric, value = p.Value, timestamp = new DateTimeOffset(p.T).ToUnixTimeSeconds() }),
        }));
        var sent = await ProcessRunner.RunAsync("mosquitto_pub",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", device.Password, "-i", device.Username, "-q", "1",
            "-t", $"devices/{device.Id}/telemetry", "-l",
        ], string.Join('\n', lines) + "\n");
        Assert.True(sent.ExitCode == 0, sent.Error);
    }

    /// <summary>Epoch-aligned buckets of <paramref name="width"/> over the distinct points (a redelivered point counts once).</summary>
    public static List<Bucket> Buckets(IEnumerable<SentPoint> points, TimeSpan width) =>
        points.DistinctBy(p => (p.Metric, p.T))
            .GroupBy(p => new DateTime(p.T.Ticks - ((p.T.Ticks - DateTime.UnixEpoch.Ticks) % width.Ticks), DateTimeKind.Utc))
            .OrderBy(g => g.Key)
            .Select(g => new Bucket(g.Key, g.Min(p => p.Value), g.Max(p => p.Value), g.Average(p => p.Value), g.Count()))
            .ToList();

    /// <summary>Waits until the worker committed <paramref name="expected"/> points of the device.</summary>
    public static Task WaitForStoredAsync(StackFixture stack, DeviceCredentials device, long expected) =>
        Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count >= expected,
            TimeSpan.FromSeconds(30), $"{expected} points stored");
}
