using Npgsql;

namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>Direct reads of what was committed, independent of the Api under test.</summary>
public static class Database
{
    /// <summary>Points of several devices in one query (a test with a hundred devices would otherwise open a hundred connections).</summary>
    public static async Task<long> CountTelemetryAsync(StackFixture stack, IReadOnlyCollection<string> deviceIds, string? metric = null)
    {
        await using var connection = new NpgsqlConnection(stack.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM telemetry t
            JOIN devices d ON d.key = t.device_key
            JOIN metrics m ON m.id = t.metric_id
            WHERE d.device_id = ANY(@devices) AND (@metric::text IS NULL OR m.name = @metric)
            """, connection);
        command.Parameters.AddWithValue("devices", deviceIds.ToArray());
        command.Parameters.AddWithValue("metric", (object?)metric ?? DBNull.Value);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static Task<long> CountTelemetryAsync(StackFixture stack, string deviceId, string? metric = null) =>
        CountTelemetryAsync(stack, [deviceId], metric);

    /// <summary>Minutes and hours in [from, to) that the rollup job has not computed yet.</summary>
    public static async Task<long> CountPendingBucketsAsync(StackFixture stack, DateTime from, DateTime to)
    {
        await using var connection = new NpgsqlConnection(stack.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM telemetry_pending WHERE bucket >= $1 AND bucket < $2", connection);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(from, DateTimeKind.Utc) });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(to, DateTimeKind.Utc) });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task<IReadOnlyList<(string Reason, string Topic, int Size)>> DeadLettersAsync(StackFixture stack, string deviceId)
    {
        await using var connection = new NpgsqlConnection(stack.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT reason, topic, payload_size FROM dead_letters WHERE device_id = @device ORDER BY id", connection);
        command.Parameters.AddWithValue("device", deviceId);
        var rows = new List<(string, string, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        }

        return rows;
    }
}
