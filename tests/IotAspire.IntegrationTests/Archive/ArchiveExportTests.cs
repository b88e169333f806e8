using IotAspire.Core.Telemetry.Maintenance;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>
/// The Archiver process over a database of its own (on the stack's PostgreSQL server), read back with DuckDB.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveExportTests(StackFixture stack)
{
    [Fact]
    public async Task Export_KnownTelemetryOfSeveralDays_EveryRowOnceInItsDayWithItsValuesAndTime()
    {
        await using var database = await ArchiveDatabase.CreateAsync(stack);
        var points = KnownTelemetry.Make(new DateOnly(2003, 3, 1), days: 3, perSeries: 150);
        await KnownTelemetry.WriteAsync(database.DataSource, points);

        await database.Archiver.RunToCompletionAsync();

        ArchiveAssert.ExactlyOnce(points, await ArchiveFiles.ReadAllAsync(database.Root));
        Assert.Equal(
            ["telemetry/date=2003-03-01/part-00000.parquet", "telemetry/date=2003-03-02/part-00000.parquet", "telemetry/date=2003-03-03/part-00000.parquet"],
            ArchiveFiles.Parts(database.Root).Select(p => p.Replace('\\', '/')));

        // The manifest commits each part, verified, and the watermark is past every closed day.
        Assert.Equal(3L, await database.ScalarAsync<long>("SELECT count(*) FROM archive_parts WHERE verified"));
        Assert.Equal((long)points.Count, await database.ScalarAsync<long>("SELECT sum(rows)::bigint FROM archive_parts"));
        Assert.True(await database.ScalarAsync<DateTime>("SELECT exported_until FROM archive_watermarks WHERE name = 'telemetry'") >= new DateTime(2003, 3, 4));
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT count(*) FROM archive_days d WHERE covered_rows <> (SELECT count(*) FROM telemetry t WHERE t.ts >= d.day AND t.ts < d.day + 1)"));
    }

    [Fact]
    public async Task Export_Part_HasTheAgreedParquetLayout()
    {
        await using var database = await ArchiveDatabase.CreateAsync(stack);
        await KnownTelemetry.WriteAsync(database.DataSource, KnownTelemetry.Make(new DateOnly(2003, 3, 5), days: 1, perSeries: 100));

        await database.Archiver.RunToCompletionAsync();

        var file = Path.Combine(database.Root, "telemetry", "date=2003-03-05", "part-00000.parquet");
        var (type, logical) = await ArchiveFiles.ColumnTypeAsync(file, "ts");
        Assert.Equal("INT64", type); // Not the legacy INT96.
        Assert.Contains("MICROS", logical, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("isAdjustedToUTC=1", logical.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

        var chunks = await ArchiveFiles.ColumnChunksAsync(file);
        Assert.All(chunks, chunk => Assert.Equal("ZSTD", chunk.Compression));
        Assert.All(chunks.Where(c => c.Column is "device_id" or "metric" or "ts"), chunk => Assert.True(chunk.HasStatistics, $"{chunk.Column} has no statistics"));
        Assert.All(chunks.Where(c => c.Column is "device_id" or "metric"), chunk => Assert.Contains("DICTIONARY", chunk.Encodings, StringComparison.Ordinal));

        var metadata = await ArchiveFiles.KeyValuesAsync(file);
        Assert.Equal("telemetry_p20030305", metadata["iotaspire.source_partition"]);
        Assert.Equal("1", metadata["iotaspire.schema_version"]);
        Assert.True(Guid.TryParse(metadata["iotaspire.run_id"], out _));
    }

    [Fact]
    public async Task Export_LateDataForExportedDays_GoesIntoLaterPartsAndTheUnionIsExact()
    {
        await using var database = await ArchiveDatabase.CreateAsync(stack);
        var first = new DateOnly(2003, 4, 1);
        var points = KnownTelemetry.Make(first, days: 2, perSeries: 50);
        await KnownTelemetry.WriteAsync(database.DataSource, points);
        await database.Archiver.RunToCompletionAsync();

        // Points that arrive late, for both exported days: each day gets a second part holding exactly them.
        var late = NewPoints(KnownTelemetry.Make(first, days: 2, perSeries: 20, seed: 2), points);
        await KnownTelemetry.WriteAsync(database.DataSource, late);
        await database.Archiver.RunToCompletionAsync();

        var archived = await ArchiveFiles.ReadAllAsync(database.Root);
        ArchiveAssert.ExactlyOnce(points.Concat(late), archived);
        Assert.Equal(
            late.Select(p => (p.DeviceId, p.Metric, p.Micros)).Order(),
            archived.Where(r => r.File.EndsWith("part-00001.parquet", StringComparison.Ordinal)).Select(r => (r.Point.DeviceId, r.Point.Metric, r.Point.Micros)).Order());

        // Retention drops both days (every row archived); then a redelivered point and new ones arrive for the first:
        // the partition is made anew, and only the new points become its next part.
        var retention = await TelemetryRetention.RunAsync(database.DataSource,
            new RetentionOptions { RawEnabled = true, RequireArchive = true, RawDays = 1 }, new DateTimeOffset(2003, 4, 10, 0, 0, 0, TimeSpan.Zero), CancellationToken.None);
        Assert.Equal(["telemetry_p20030401", "telemetry_p20030402"], retention.Dropped.Where(p => p.Table == "telemetry").Select(p => p.Name));
        var redelivered = points[7];
        var afterDrop = NewPoints(KnownTelemetry.Make(first, days: 1, perSeries: 5, seed: 3), [.. points, .. late]);
        await KnownTelemetry.WriteAsync(database.DataSource, [redelivered, .. afterDrop]);
        await database.Archiver.RunToCompletionAsync();

        archived = await ArchiveFiles.ReadAllAsync(database.Root);
        ArchiveAssert.ExactlyOnce(points.Concat(late).Concat(afterDrop), archived);
        Assert.Equal(afterDrop.Count, archived.Count(r => r.File.EndsWith("date=2003-04-01/part-00002.parquet", StringComparison.Ordinal)));
        ArchiveAssert.OnlyFinalParts(database.Root);
    }

    /// <summary>Those of <paramref name="candidates"/> whose key none of <paramref name="existing"/> has.</summary>
    internal static List<KnownPoint> NewPoints(IEnumerable<KnownPoint> candidates, IEnumerable<KnownPoint> existing)
    {
        var taken = existing.Select(p => (p.DeviceId, p.Metric, p.Micros)).ToHashSet();
        return [.. candidates.Where(p => taken.Add((p.DeviceId, p.Metric, p.Micros)))];
    }
}
