using System.Text;
using DuckDB.NET.Data;
using IotAspire.Core.Telemetry;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>One row of the archive as DuckDB reads it, with the day its Hive folder names and its file.</summary>
public readonly record struct ArchivedRow(KnownPoint Point, string FolderDay, string File);

/// <summary>The archive as an independent reader (DuckDB) sees it: every part under <c>telemetry/date=*/</c>.</summary>
public static class ArchiveFiles
{
    public static string[] Parts(string root) =>
        Directory.Exists(Path.Combine(root, "telemetry"))
            ? [.. Directory.GetFiles(Path.Combine(root, "telemetry"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(root, f)).Order(StringComparer.Ordinal)]
            : [];

    public static async Task<List<ArchivedRow>> ReadAllAsync(string root)
    {
        var rows = new List<ArchivedRow>();
        if (Parts(root).Length == 0)
        {
            return rows;
        }

        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT device_id, metric, epoch_us(ts), num_value, bool_value, text_value, CAST(date AS VARCHAR), filename
            FROM read_parquet('{Path.Combine(root, "telemetry", "*", "*.parquet")}', hive_partitioning = true, filename = true)
            """;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var value = !reader.IsDBNull(3) ? TelemetryValue.FromNumber(reader.GetDouble(3))
                : !reader.IsDBNull(4) ? TelemetryValue.FromBoolean(reader.GetBoolean(4))
                : TelemetryValue.FromText(reader.GetString(5));
            rows.Add(new ArchivedRow(new KnownPoint(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), value),
                reader.GetString(6), Path.GetRelativePath(root, reader.GetString(7))));
        }

        return rows;
    }

    /// <summary>Rows per file: DuckDB reads each footer, so a truncated or half-written file fails here.</summary>
    public static async Task<long> CountRowsAsync(string file)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM read_parquet('{file}')";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Physical type and logical type of a column, as the file's schema says.</summary>
    public static async Task<(string Type, string Logical)> ColumnTypeAsync(string file, string column)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT type, CAST(logical_type AS VARCHAR) FROM parquet_schema('{file}') WHERE name = '{column}'";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"{column} is not in {file}");
        return (reader.GetString(0), reader.IsDBNull(1) ? "" : reader.GetString(1));
    }

    /// <summary>Per column chunk: column, compression, encodings, whether min and max statistics are there.</summary>
    public static async Task<List<(string Column, string Compression, string Encodings, bool HasStatistics)>> ColumnChunksAsync(string file)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT path_in_schema, compression, encodings, stats_min_value IS NOT NULL AND stats_max_value IS NOT NULL
            FROM parquet_metadata('{file}')
            """;
        var chunks = new List<(string, string, string, bool)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            chunks.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
        }

        return chunks;
    }

    public static async Task<Dictionary<string, string>> KeyValuesAsync(string file)
    {
        await using var connection = await OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT key, value FROM parquet_kv_metadata('{file}')";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values[Text(reader.GetValue(0))] = Text(reader.GetValue(1));
        }

        return values;
    }

    private static string Text(object value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        Stream stream => new StreamReader(stream, Encoding.UTF8).ReadToEnd(),
        _ => value.ToString() ?? "",
    };

    private static async Task<DuckDBConnection> OpenAsync()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        await connection.OpenAsync();
        return connection;
    }
}
