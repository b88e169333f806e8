using IotAspire.IntegrationTests.Infrastructure;
using Npgsql;

namespace IotAspire.IntegrationTests.TimeSeries;

/// <summary>
/// The worker creates the partitions a message needs, also again after retention dropped one it had seen; the rollups of
/// that dropped day stay as they were.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PartitionTests(StackFixture stack)
{
    private static readonly TimeSpan IngestTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Publish_IntoDayWhosePartitionWasDropped_RecreatesItAndStoresThePoint()
    {
        // A day of its own (600 days ago) that no other test writes to, inside the worker's default window (730 days).
        var day = DateTimeOffset.UtcNow.Date.AddDays(-600);
        var date = day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var device = await DeviceCredentials.RegisterAsync(stack, "partition");
        var topic = $"devices/{device.Id}/telemetry";
        await using var dataSource = NpgsqlDataSource.Create(stack.DatabaseConnectionString);

        var first = await MosquittoCli.PublishAsync(stack, device, topic, $$"""{"ts":"{{date}}T10:00:00Z","level":1}""");
        Assert.True(first.ExitCode == 0, first.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), c => c == 1, IngestTimeout, "the first point stored");
        await Eventually.ReturnsAsync(() => Database.CountPendingBucketsAsync(stack, day, day.AddDays(1)), c => c == 0, IngestTimeout, "the day rolled up");
        Assert.Equal((1L, 1.0), await MinuteRollupAsync(dataSource, device.Id, day));

        // What retention does, while the worker still remembers the partition as existing.
        await using (var drop = dataSource.CreateCommand(
            $"DROP TABLE telemetry_p{day:yyyyMMdd}; INSERT INTO telemetry_raw_dropped (day) VALUES ('{date}T00:00:00Z') ON CONFLICT DO NOTHING"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var second = await MosquittoCli.PublishAsync(stack, device, topic, $$"""{"ts":"{{date}}T10:00:30Z","level":2}""");
        Assert.True(second.ExitCode == 0, second.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), c => c == 1, IngestTimeout, "the second point stored");

        // The rollups of a dropped day are final: recomputing the minute from the one raw row left would lose the first.
        Assert.Equal(0L, await Database.CountPendingBucketsAsync(stack, day, day.AddDays(1)));
        Assert.Equal((1L, 1.0), await MinuteRollupAsync(dataSource, device.Id, day));
        Assert.Empty(await Database.DeadLettersAsync(stack, device.Id));
    }

    private static async Task<(long Count, double Sum)?> MinuteRollupAsync(NpgsqlDataSource dataSource, string deviceId, DateTime day)
    {
        await using var rollup = dataSource.CreateCommand("""
            SELECT r.count, r.sum_value FROM telemetry_1m r JOIN devices d ON d.key = r.device_key
            WHERE d.device_id = $1 AND r.bucket = $2
            """);
        rollup.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        rollup.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(day.AddHours(10), DateTimeKind.Utc) });
        await using var reader = await rollup.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetDouble(1)) : null;
    }
}
