using IotAspire.Api.Queries;
using System.Diagnostics;
using IotAspire.Api.Apis;
using IotAspire.Api.Data;
using IotAspire.Archiver;
using IotAspire.Archiver.Export;
using IotAspire.Core.Archive;
using IotAspire.Core.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.Bench.Archive;

/// <summary>
/// The Api's archive read (ArchiveStore, DuckDB) for one device and metric over --query-days days, on a synthetic archive
/// of --query-rows rows written with the Archiver's own part writer (1,000 devices x 10 metrics, evenly spaced points):
/// loading that many rows through PostgreSQL first would take longer than this machine's session allows.
/// </summary>
public static class ArchiveQueryBenchmark
{
    private const int Devices = 1_000;
    private const int Metrics = 10;

    public static async Task<object> RunAsync(ArchiveSettings settings, string root, CancellationToken cancellationToken)
    {
        var perSeriesPerDay = (int)Math.Max(1, settings.QueryRows / settings.QueryDays / Devices / Metrics);
        var rows = (long)perSeriesPerDay * Devices * Metrics * settings.QueryDays;
        var firstDay = new DateOnly(2025, 1, 1);
        var write = Stopwatch.StartNew();
        long bytes = 0;
        var parts = new List<string>();
        for (var d = 0; d < settings.QueryDays; d++)
        {
            var path = ArchiveLayout.PartPath(firstDay.AddDays(d), 0);
            bytes += await WriteDayAsync(Path.Combine(root, path), firstDay.AddDays(d), perSeriesPerDay, cancellationToken);
            parts.Add(path);
            Console.Write($"\rsynthetic archive: day {d + 1} of {settings.QueryDays}");
        }

        Console.WriteLine($"\rsynthetic archive: {rows:N0} rows in {settings.QueryDays} parts, {bytes:N0} bytes, written in {write.Elapsed.TotalSeconds:F0} s");

        await using var nowhere = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1"); // Only the Parquet read is timed.
        var store = new ArchiveStore(nowhere, Options.Create(new ArchiveReadOptions { Root = root }));
        var from = firstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var range = new TimeRange(from, from.AddDays(settings.QueryDays));
        var timings = new List<double>();
        var answered = 0;
        for (var i = 0; i < settings.QueryRuns; i++)
        {
            var clock = Stopwatch.StartNew();
            var points = await store.ReadPointsAsync(parts, DeviceId(Devices / 2 + i), MetricName(i % Metrics), range, from.AddTicks(-10), 10_000, cancellationToken);
            timings.Add(clock.Elapsed.TotalMilliseconds);
            answered = points.Count;
        }

        var sorted = timings.Order().ToList();
        Console.WriteLine($"""
            DuckDB query, one device and metric over {settings.QueryDays} days of {rows:N0} archived rows ({answered:N0} points each)
              first {timings[0]:F0} ms, median {sorted[sorted.Count / 2]:F0} ms, max {sorted[^1]:F0} ms   (target <= 1,000 ms)
            """);
        return new
        {
            rows, days = settings.QueryDays, bytes, writeSeconds = Math.Round(write.Elapsed.TotalSeconds, 1),
            writeRowsPerSecond = Math.Round(rows / write.Elapsed.TotalSeconds), pointsAnswered = answered,
            milliseconds = timings.Select(t => Math.Round(t, 1)), medianMilliseconds = Math.Round(sorted[sorted.Count / 2], 1),
        };
    }

    private static async Task<long> WriteDayAsync(string path, DateOnly day, int perSeries, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var start = (day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks - DateTime.UnixEpoch.Ticks) / 10;
        var step = 86_400_000_000L / perSeries;
        var random = new Random(day.DayNumber);
        var devices = Enumerable.Range(0, Devices).Select(DeviceId).Order(StringComparer.Ordinal).ToList();
        var metrics = Enumerable.Range(0, Metrics).Select(MetricName).Order(StringComparer.Ordinal).ToList();
        await using var writer = await PartWriter.CreateAsync(path, new ArchiveOptions(), cancellationToken);
        foreach (var device in devices)
        {
            foreach (var metric in metrics)
            {
                for (var s = 0; s < perSeries; s++)
                {
                    await writer.AddAsync(new ArchiveRow(device, metric, start + (s * step), TelemetryValue.FromNumber(Math.Round(20 + (random.NextDouble() * 5), 2))), cancellationToken);
                }
            }
        }

        var sum = writer.Checksum;
        await writer.CompleteAsync(new PartMetadata(Guid.Empty, Guid.Empty, Guid.Empty, "synthetic", day, 0, 0, true, 0, sum.Rows, sum.Rows, sum.Value,
            sum.MinMicros, sum.MaxMicros), cancellationToken);
        await writer.DisposeAsync();
        return new FileInfo(path).Length;
    }

    private static string DeviceId(int i) => $"bench-{i:D6}";

    private static string MetricName(int i) => $"bench.m{i:D3}";
}
