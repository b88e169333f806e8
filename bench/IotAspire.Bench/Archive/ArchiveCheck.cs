using DuckDB.NET.Data;

namespace IotAspire.Bench.Archive;

/// <summary>Reads the archive back with DuckDB, an independent Parquet reader.</summary>
public static class ArchiveCheck
{
    public static async Task<(long Rows, long DistinctKeys)> CountAsync(string root, CancellationToken cancellationToken)
    {
        await using var connection = new DuckDBConnection("DataSource=:memory:");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT count(*), count(DISTINCT (device_id, metric, ts))
            FROM read_parquet('{Path.Combine(root, "telemetry", "*", "*.parquet")}', hive_partitioning = true)
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    public static long DayBytes(string root, DateTime day)
    {
        var folder = Path.Combine(root, "telemetry", $"date={day:yyyy-MM-dd}");
        return Directory.Exists(folder) ? Directory.GetFiles(folder, "*.parquet").Sum(f => new FileInfo(f).Length) : 0;
    }
}
