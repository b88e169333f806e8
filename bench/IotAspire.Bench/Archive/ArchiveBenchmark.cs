using System.Diagnostics;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Reporting;
using IotAspire.Core;
using IotAspire.Core.Schema;
using Npgsql;

namespace IotAspire.Bench.Archive;

/// <summary>
/// The Archiver end to end: loads days of telemetry into a database of its own, runs the real Archiver process once
/// (binary COPY, sorted, zstd Parquet, verified, committed) and reports rows/s, CPU per row, peak RSS and the size of
/// the Parquet files against the day partitions; then checks every row with DuckDB and times a DuckDB query for one
/// device and metric over a synthetic 30-day archive of --query-rows rows.
/// </summary>
public static class ArchiveBenchmark
{
    public static async Task<int> RunAsync(ArchiveSettings settings, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        BenchStack? stack = null;
        try
        {
            var server = settings.Database;
            if (server is null)
            {
                stack = await BenchStack.StartAsync("archive",
                    [ResourceNames.DeviceWorker, ResourceNames.Archiver, ResourceNames.Dashboard], null, cancellationToken);
                server = stack.DatabaseConnectionString;
                Console.WriteLine($"stack up in {total.Elapsed.TotalSeconds:F1} s (logs: {stack.LogFile})");
            }

            var database = $"archive_bench_{DateTime.UtcNow:yyyyMMddHHmmss}";
            var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, CommandTimeout = 0 }.ConnectionString;
            await CreateDatabaseAsync(server, database, cancellationToken);
            var root = Path.Combine(Path.GetTempPath(), "iotaspire-archive-bench", database);
            try
            {
                return await MeasureAsync(settings, connectionString, root, cancellationToken);
            }
            finally
            {
                if (Directory.Exists(root))
                {
                    Directory.Delete(root, recursive: true);
                }

                await DropDatabaseAsync(server, database);
            }
        }
        finally
        {
            if (stack is not null)
            {
                await stack.DisposeAsync();
            }
        }
    }

    private static async Task<int> MeasureAsync(ArchiveSettings settings, string connectionString, string root, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await SchemaMigrator.MigrateAsync(dataSource, cancellationToken);

        var loader = new ArchiveDataLoader(dataSource);
        var firstDay = DateTime.UtcNow.Date.AddDays(-settings.Days - 1);
        var load = Stopwatch.StartNew();
        var days = await loader.LoadAsync(settings, firstDay, cancellationToken);
        Console.WriteLine($"loaded {settings.ExpectedRows:N0} rows over {days.Count} days in {load.Elapsed.TotalSeconds:F0} s");
        var partitionBytes = new List<long>();
        foreach (var day in days)
        {
            partitionBytes.Add(await loader.PartitionBytesAsync(day, cancellationToken));
        }

        var run = await ArchiverProcess.RunAsync(connectionString, root, cancellationToken);
        if (run.ExitCode != 0)
        {
            Console.Error.WriteLine(run.Output);
            throw new InvalidOperationException($"The Archiver exited with {run.ExitCode}.");
        }

        var check = await ArchiveCheck.CountAsync(root, cancellationToken);
        var parquetBytes = days.Select(d => ArchiveCheck.DayBytes(root, d)).ToList();
        var rows = settings.ExpectedRows;
        var perDayLog = ExportLog.Days(run.Output);
        var export = new
        {
            rows,
            rowsInArchive = check.Rows,
            distinctKeys = check.DistinctKeys,
            exact = check.Rows == rows && check.DistinctKeys == rows,
            seconds = Math.Round(run.Seconds, 2),
            rowsPerSecond = Math.Round(rows / run.Seconds),
            archiverCpuSeconds = Math.Round(run.CpuSeconds, 2),
            archiverCpuMicrosPerRow = Math.Round(run.CpuSeconds * 1e6 / rows, 2),
            machineCpuMicrosPerRow = Math.Round(run.MachineCpuSeconds * 1e6 / rows, 2),
            peakRssMegabytes = Math.Round(run.PeakRssBytes / 1048576.0, 1),
            partitionBytes = partitionBytes.Sum(),
            parquetBytes = parquetBytes.Sum(),
            parquetShareOfPartition = Math.Round((double)parquetBytes.Sum() / partitionBytes.Sum(), 4),
            perDay = days.Select((d, i) => new { day = d.ToString("yyyy-MM-dd"), partitionBytes = partitionBytes[i], parquetBytes = parquetBytes[i] }),
            // The Archiver's own figures per day: the first pays for start-up and JIT, the others are the steady pace.
            exportLog = perDayLog,
            steadyRowsPerSecond = perDayLog.Count > 1 ? Math.Round(perDayLog.Skip(1).Sum(d => d.Rows) / perDayLog.Skip(1).Sum(d => d.Seconds)) : (double?)null,
        };
        Console.WriteLine($"""

            export (Archiver process, {days.Count} days, {rows:N0} rows)
              wall                 {run.Seconds:F2} s   -> {export.rowsPerSecond:N0} rows/s   (target >= 500,000)
              Archiver CPU         {run.CpuSeconds:F2} s   -> {export.archiverCpuMicrosPerRow} us/row;  whole machine {export.machineCpuMicrosPerRow} us/row
              per day after the first {export.steadyRowsPerSecond:N0} rows/s (read, write, verify, publish, commit; the first day pays start-up and JIT)
              peak RSS             {export.peakRssMegabytes} MB   (target <= 512)
              Parquet / partition  {parquetBytes.Sum():N0} / {partitionBytes.Sum():N0} bytes = {100 * export.parquetShareOfPartition:F1} %   (target <= 25 %)
              DuckDB read-back     {check.Rows:N0} rows, {check.DistinctKeys:N0} distinct keys: {(export.exact ? "exact" : "MISMATCH")}
            """);

        object? query = null;
        if (settings.QueryRows > 0)
        {
            query = await ArchiveQueryBenchmark.RunAsync(settings, Path.Combine(root, "query"), cancellationToken);
        }

        var file = ResultFile.Write(settings.ResultsDirectory, "archive", settings, new { export, query });
        Console.WriteLine($"\nwritten {file}");
        return export.exact ? 0 : 1;
    }

    private static async Task CreateDatabaseAsync(string server, string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task DropDatabaseAsync(string server, string database)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
