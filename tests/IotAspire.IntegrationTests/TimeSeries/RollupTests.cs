using IotAspire.IntegrationTests.Infrastructure;
using Npgsql;

namespace IotAspire.IntegrationTests.TimeSeries;

/// <summary>
/// The rollups must equal what SQL computes from the raw rows, also when points arrive late (into buckets already
/// rolled up) and messages are redelivered or repeat points of others: at once as queries read them, and once the
/// worker's rollup job has computed the closed buckets, as stored.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RollupTests(StackFixture stack)
{
    private static readonly TimeSpan IngestTimeout = TimeSpan.FromSeconds(20);

    // The job runs every 5 s; an hour waits for its minutes, so two runs.
    private static readonly TimeSpan RollupTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Rollups_LateAndDuplicateData_EqualAggregatesOfRawRows()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "rollup");
        var topic = $"devices/{device.Id}/telemetry";
        var repeated = """{"ts":"2025-11-26T10:00:30Z","temperature":21.5,"humidity":40.25}""";

        // In time order first, each phase committed before the next, so that later points hit buckets already rolled up.
        await PublishAllAsync(device, topic,
            """{"ts":"2025-11-26T10:00:05Z","temperature":20,"humidity":40,"door":"open","heater":true}""",
            repeated,
            """{"ts":"2025-11-26T10:01:10Z","temperature":25,"humidity":41}""",
            """{"ts":"2025-11-26T11:15:00Z","temperature":19.25}""");
        await WaitForCountAsync(device.Id, 9);

        // Let the rollup job store these buckets, so that what follows changes buckets already computed.
        await using var connection = new NpgsqlConnection(stack.DatabaseConnectionString);
        await connection.OpenAsync();
        var key = await DeviceKeyAsync(connection, device.Id);
        await Eventually.ReturnsAsync(() => CountAsync(connection, key, "telemetry_1h"), c => c == 3, RollupTimeout, "the first hours rolled up (temperature 10h and 11h, humidity 10h)");

        // Redelivery of a whole message, a message repeating one point of another, then late points.
        await PublishAllAsync(device, topic,
            repeated,
            $$"""{"deviceId":"{{device.Id}}","values":[{"name":"temperature","value":21.5,"timestamp":1764151230},{"name":"temperature","value":22,"timestamp":1764151250}]}""",
            """{"ts":"2025-11-26T10:00:45Z","temperature":30}""",
            """{"ts":"2025-11-26T09:59:59Z","temperature":-5,"humidity":39.5}""",
            repeated);
        await PublishAllAsync(device, topic, """{"ts":"2025-11-26T12:00:00Z","sentinel":1}""");
        await WaitForCountAsync(device.Id, 14);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "sentinel"), c => c == 1, IngestTimeout, "the last message stored");

        foreach (var (source, table, width) in new[] { ("iot_minutes", "telemetry_1m", "1 minute"), ("iot_hours", "telemetry_1h", "1 hour") })
        {
            var expected = await BucketsAsync(connection, key, $"""
                SELECT m.name, date_bin('{width}', t.ts, 'epoch') AS bucket, min(t.num_value), max(t.num_value), sum(t.num_value), count(*), min(t.ts), max(t.ts)
                FROM telemetry t JOIN metrics m ON m.id = t.metric_id
                WHERE t.device_key = $1 AND t.num_value IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2
                """);

            // What queries read is exact at once, whether or not the rollup job has computed these buckets yet.
            var read = await BucketsAsync(connection, key, $"""
                SELECT m.name, r.bucket, r.min_value, r.max_value, r.sum_value, r.count, r.first_ts, r.last_ts
                FROM metrics m CROSS JOIN LATERAL {source}($1, m.id, '-infinity', 'infinity') r ORDER BY 1, 2
                """);
            Assert.Equal(expected, read);

            // The buckets are long closed: the job computes them and stores the same.
            await Eventually.ReturnsAsync(
                () => BucketsAsync(connection, key, $"""
                    SELECT m.name, r.bucket, r.min_value, r.max_value, r.sum_value, r.count, r.first_ts, r.last_ts
                    FROM {table} r JOIN metrics m ON m.id = r.metric_id
                    WHERE r.device_key = $1 ORDER BY 1, 2
                    """),
                stored => stored.SequenceEqual(expected), RollupTimeout, $"{table} computed from the raw rows");
        }

        // The same, against figures worked out by hand (so the comparison above cannot pass on two equal mistakes).
        var minute = Assert.Single(await BucketsAsync(connection, key, """
            SELECT m.name, r.bucket, r.min_value, r.max_value, r.sum_value, r.count, r.first_ts, r.last_ts
            FROM telemetry_1m r JOIN metrics m ON m.id = r.metric_id
            WHERE r.device_key = $1 AND m.name = 'temperature' AND r.bucket = '2025-11-26T10:00:00Z'
            """));
        Assert.Equal(new Bucket("temperature", At("10:00:00"), 20, 30, 93.5, 4, At("10:00:05"), At("10:00:50")), minute);
        var hours = await BucketsAsync(connection, key, """
            SELECT m.name, r.bucket, r.min_value, r.max_value, r.sum_value, r.count, r.first_ts, r.last_ts
            FROM telemetry_1h r JOIN metrics m ON m.id = r.metric_id
            WHERE r.device_key = $1 AND m.name = 'temperature' ORDER BY r.bucket
            """);
        Assert.Equal(
            [
                new Bucket("temperature", At("09:00:00"), -5, -5, -5, 1, At("09:59:59"), At("09:59:59")),
                new Bucket("temperature", At("10:00:00"), 20, 30, 118.5, 5, At("10:00:05"), At("10:01:10")),
                new Bucket("temperature", At("11:00:00"), 19.25, 19.25, 19.25, 1, At("11:15:00"), At("11:15:00")),
            ],
            hours);

        // Booleans and strings are kept raw but not rolled up.
        await using var others = new NpgsqlCommand("""
            SELECT count(*) FROM telemetry_1m r JOIN metrics m ON m.id = r.metric_id
            WHERE r.device_key = $1 AND m.name IN ('door', 'heater')
            """, connection);
        others.Parameters.Add(new NpgsqlParameter<long> { TypedValue = key });
        Assert.Equal(0L, await others.ExecuteScalarAsync());
        Assert.Equal(1, await Database.CountTelemetryAsync(stack, device.Id, "door"));
    }

    private sealed record Bucket(string Metric, DateTimeOffset Start, double Min, double Max, double Sum, long Count, DateTimeOffset First, DateTimeOffset Last);

    private static DateTimeOffset At(string time) =>
        DateTimeOffset.Parse($"2025-11-26T{time}Z", System.Globalization.CultureInfo.InvariantCulture);

    private async Task PublishAllAsync(DeviceCredentials device, string topic, params string[] messages)
    {
        foreach (var message in messages)
        {
            var sent = await MosquittoCli.PublishAsync(stack, device, topic, message);
            Assert.True(sent.ExitCode == 0, sent.Error);
        }
    }

    private Task WaitForCountAsync(string deviceId, long count) =>
        Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, deviceId), c => c >= count, IngestTimeout, $"{count} points stored");

    private static async Task<long> DeviceKeyAsync(NpgsqlConnection connection, string deviceId)
    {
        await using var command = new NpgsqlCommand("SELECT key FROM devices WHERE device_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, long deviceKey, string table)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {table} WHERE device_key = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = deviceKey });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<Bucket>> BucketsAsync(NpgsqlConnection connection, long deviceKey, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = deviceKey });
        var buckets = new List<Bucket>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            buckets.Add(new Bucket(
                reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetDouble(2), reader.GetDouble(3),
                reader.GetDouble(4), reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return buckets;
    }
}
