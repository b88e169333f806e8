using IotAspire.Core.Telemetry;
using Npgsql;
using NpgsqlTypes;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>One stored point as the tests know it: times in microseconds since the Unix epoch (UTC).</summary>
public readonly record struct KnownPoint(string DeviceId, string Metric, long Micros, TelemetryValue Value)
{
    public DateTime Time => DateTime.UnixEpoch.AddTicks(Micros * TimeSpan.TicksPerMicrosecond);

    public DateOnly Day => DateOnly.FromDateTime(Time);
}

/// <summary>
/// Telemetry with every kind of value (numbers of every sign and size, booleans, strings with non-ASCII and empty ones),
/// at irregular microsecond times including both ends of a day, from devices registered out of name order (their keys
/// do not sort like their ids), written straight into a database's partitions by binary COPY.
/// </summary>
public static class KnownTelemetry
{
    public static readonly string[] Devices = ["dev-b", "Dev-C", "dev-a"];
    public static readonly string[] Metrics = ["temp", "door", "heater", "zeta.level"];

    /// <summary><paramref name="perSeries"/> points per device, metric and day, from <paramref name="firstDay"/> on.</summary>
    public static List<KnownPoint> Make(DateOnly firstDay, int days, int perSeries, int seed = 1, IReadOnlyList<string>? devices = null)
    {
        var random = new Random(seed);
        var points = new List<KnownPoint>();
        for (var d = 0; d < days; d++)
        {
            var dayStart = Micros(firstDay.AddDays(d));
            foreach (var device in devices ?? Devices)
            {
                foreach (var metric in Metrics)
                {
                    var times = new SortedSet<long> { dayStart, dayStart + 86_400_000_000 - 1 };
                    while (times.Count < perSeries)
                    {
                        times.Add(dayStart + random.NextInt64(86_400_000_000));
                    }

                    foreach (var micros in times)
                    {
                        points.Add(new KnownPoint(device, metric, micros, ValueFor(metric, random)));
                    }
                }
            }
        }

        return points;
    }

    public static async Task WriteAsync(NpgsqlDataSource dataSource, IEnumerable<KnownPoint> points)
    {
        var list = points.ToList();
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var device in list.Select(p => p.DeviceId).Distinct())
        {
            await Execute(connection, "INSERT INTO devices (device_id, name) VALUES ($1, 'archive test') ON CONFLICT DO NOTHING", device);
        }

        foreach (var metric in list.Select(p => p.Metric).Distinct())
        {
            await Execute(connection, "INSERT INTO metrics (name) VALUES ($1) ON CONFLICT DO NOTHING", metric);
        }

        foreach (var day in list.Select(p => p.Day).Distinct())
        {
            await Execute(connection, "SELECT iot_ensure_partition('telemetry', 'day', $1)", day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));
        }

        var devices = await Keys<long>(connection, "SELECT device_id, key FROM devices");
        var metrics = await Keys<int>(connection, "SELECT name, id FROM metrics");
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY telemetry (device_key, metric_id, ts, num_value, bool_value, text_value) FROM STDIN (FORMAT BINARY)");
        foreach (var point in list)
        {
            await copy.StartRowAsync();
            await copy.WriteAsync(devices[point.DeviceId], NpgsqlDbType.Bigint);
            await copy.WriteAsync(metrics[point.Metric], NpgsqlDbType.Integer);
            await copy.WriteAsync(point.Time, NpgsqlDbType.TimestampTz);
            await (point.Value.Kind == TelemetryValueKind.Number ? copy.WriteAsync(point.Value.Number, NpgsqlDbType.Double) : copy.WriteNullAsync());
            await (point.Value.Kind == TelemetryValueKind.Boolean ? copy.WriteAsync(point.Value.Boolean, NpgsqlDbType.Boolean) : copy.WriteNullAsync());
            await (point.Value.Text is { } text ? copy.WriteAsync(text, NpgsqlDbType.Text) : copy.WriteNullAsync());
        }

        await copy.CompleteAsync();
    }

    public static long Micros(DateOnly day) => (day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static TelemetryValue ValueFor(string metric, Random random) => metric switch
    {
        "door" => TelemetryValue.FromText(random.Next(4) switch { 0 => "open", 1 => "geschlossen öffnen ✓", 2 => "", _ => $"state {random.Next(1000)}" }),
        "heater" => TelemetryValue.FromBoolean(random.Next(2) == 0),
        "temp" => TelemetryValue.FromNumber(Math.Round((random.NextDouble() * 80) - 30, 3)),
        _ => TelemetryValue.FromNumber(random.Next(3) switch { 0 => random.NextDouble() * 1e12, 1 => -random.NextDouble() * 1e-9, _ => random.Next() }),
    };

    private static async Task Execute(NpgsqlConnection connection, string sql, object parameter)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<Dictionary<string, T>> Keys<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new Dictionary<string, T>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            keys[reader.GetString(0)] = reader.GetFieldValue<T>(1);
        }

        return keys;
    }
}
