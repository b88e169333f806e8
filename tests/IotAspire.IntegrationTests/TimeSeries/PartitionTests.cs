using IotAspire.IntegrationTests.Infrastructure;
using Npgsql;

namespace IotAspire.IntegrationTests.TimeSeries;

/// <summary>The worker creates the partitions a message needs, also again after retention dropped one it had seen.</summary>
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

        // What retention does, while the worker still remembers the partition as existing.
        await using (var drop = dataSource.CreateCommand($"DROP TABLE telemetry_p{day:yyyyMMdd}"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        var second = await MosquittoCli.PublishAsync(stack, device, topic, $$"""{"ts":"{{date}}T10:00:30Z","level":2}""");
        Assert.True(second.ExitCode == 0, second.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), c => c == 1, IngestTimeout, "the second point stored");

        await using var rollup = dataSource.CreateCommand("""
            SELECT r.count, r.sum_value FROM telemetry_1m r JOIN devices d ON d.key = r.device_key
            WHERE d.device_id = $1 AND r.bucket = $2
            """);
        rollup.Parameters.Add(new NpgsqlParameter<string> { TypedValue = device.Id });
        rollup.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(day.AddHours(10), DateTimeKind.Utc) });
        await using var reader = await rollup.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((2L, 3.0), (reader.GetInt64(0), reader.GetDouble(1))); // rollups outlive the dropped raw day
        Assert.Empty(await Database.DeadLettersAsync(stack, device.Id));
    }
}
