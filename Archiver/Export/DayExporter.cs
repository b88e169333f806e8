using System.Diagnostics;
using IotAspire.Archiver.Manifest;
using IotAspire.Archiver.Storage;
using IotAspire.Core.Archive;
using Microsoft.Extensions.Options;

namespace IotAspire.Archiver.Export;

/// <summary>
/// Exports what the manifest does not cover yet of one closed day, exactly once:
/// <list type="number">
/// <item>one repeatable-read snapshot: the partition's row count and time range, the day's coverage, then every row by
/// binary COPY in part order; rows that earlier parts hold are left out (late data for an exported day);</item>
/// <item>parts written to staging files (a new one past <see cref="ArchiveOptions.MaxPartBytes"/>), flushed to disk;</item>
/// <item>checks: the stream held exactly the snapshot's rows and time range; each file read back gives the rows, order,
/// time range and checksum written into it;</item>
/// <item>published under their final names (rename, or a conditional put), then committed in one transaction with the
/// day's new coverage and the watermark: that commit is the point from which the parts are archived.</item>
/// </list>
/// A crash before the commit leaves staging files (removed at start) or published files without a manifest row
/// (adopted or removed by <see cref="OrphanReconciler"/>); names depend only on day and part number, so a retry
/// writes the same names again.
/// </summary>
public sealed class DayExporter(
    TelemetrySource source, ArchiveManifest manifest, IArchiveStorage storage, OrphanReconciler reconciler, ArchiveRun run, IOptions<ArchiveOptions> options)
{
    private readonly ArchiveOptions _options = options.Value;

    /// <param name="watermark">Set the watermark to this in the same commit (when every earlier closed day is exported).</param>
    public async Task<DayExport> ExportAsync(RawDay day, DateTime? watermark, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await reconciler.ReconcileAsync(day.Day, cancellationToken);

        var written = new List<(PartMetadata Metadata, string Staging, long Bytes)>();
        try
        {
            DayCoverage coverage;
            DaySnapshotStats stats;
            long rowsRead;
            await using (var snapshot = await source.OpenAsync(day, cancellationToken))
            {
                stats = await snapshot.StatsAsync(cancellationToken);
                coverage = await snapshot.CoverageAsync(cancellationToken);
                if (stats.Rows == coverage.CoveredRows)
                {
                    return new DayExport(day, false, 0, [], Stopwatch.GetElapsedTime(started));
                }

                if (stats.Rows < coverage.CoveredRows)
                {
                    throw new ArchiveVerificationException(
                        $"{day.Partition} holds {stats.Rows} rows but the manifest says {coverage.CoveredRows} of them are archived.");
                }

                rowsRead = await WritePartsAsync(snapshot, stats, coverage, written, cancellationToken);
            }

            var writeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

            if (rowsRead != stats.Rows)
            {
                throw new ArchiveVerificationException($"{day.Partition}: {rowsRead} rows streamed, {stats.Rows} in the snapshot.");
            }

            var parts = new List<ArchivedPart>();
            foreach (var (metadata, staging, bytes) in written)
            {
                if (await PartVerifier.CheckAsync(staging, metadata.Rows, metadata.Checksum, metadata.MinMicros, metadata.MaxMicros, cancellationToken) is { } problem)
                {
                    throw new ArchiveVerificationException($"{ArchiveLayout.PartPath(day.Day, metadata.Part)}: {problem}.");
                }

                parts.Add(new ArchivedPart(day.Day, metadata.Part, ArchiveLayout.PartPath(day.Day, metadata.Part), metadata.Rows, bytes,
                    metadata.Checksum, metadata.MinMicros, metadata.MaxMicros, run.Id));
            }

            foreach (var ((_, staging, bytes), part) in written.Zip(parts))
            {
                await storage.PublishAsync(staging, part.Path, cancellationToken);
                if (await storage.SizeAsync(part.Path, cancellationToken) != bytes)
                {
                    throw new ArchiveVerificationException($"{part.Path}: the published object is not the {bytes} bytes verified.");
                }
            }

            var committed = await manifest.CommitAsync(day.Day, coverage, stats.Rows, parts, watermark, cancellationToken);
            return new DayExport(day, committed, rowsRead, committed ? parts : [], Stopwatch.GetElapsedTime(started), writeSeconds);
        }
        finally
        {
            foreach (var (_, staging, _) in written)
            {
                File.Delete(staging);
            }
        }
    }

    /// <summary>Streams the day, leaves out archived rows, writes the rest into parts; returns the rows streamed.</summary>
    private async Task<long> WritePartsAsync(
        DaySnapshot snapshot, DaySnapshotStats stats, DayCoverage coverage, List<(PartMetadata, string, long)> written, CancellationToken cancellationToken)
    {
        var day = snapshot.Day;
        var exportId = Guid.NewGuid();
        var archivedPaths = coverage.NextPart > 0 ? await manifest.PartPathsAsync(day.Day, cancellationToken) : [];
        await using var archived = await ArchivedKeys.OpenAsync(storage, archivedPaths, cancellationToken);
        var series = await snapshot.SeriesAsync(cancellationToken);

        PartWriter? part = null;
        var partNumber = coverage.NextPart;
        long streamed = 0, min = long.MaxValue, max = long.MinValue;
        ArchiveRow? previous = null;
        try
        {
            await foreach (var row in snapshot.RowsAsync(series, cancellationToken))
            {
                if (previous is { } before && ArchiveRow.CompareKeys(before, row) >= 0)
                {
                    throw new ArchiveVerificationException($"{day.Partition}: rows came out of order after row {streamed}.");
                }

                previous = row;
                streamed++;
                min = Math.Min(min, row.Micros);
                max = Math.Max(max, row.Micros);
                if (await archived.ContainsAsync(row))
                {
                    continue;
                }

                if (part is not null && part.BytesWritten >= _options.MaxPartBytes)
                {
                    written.Add(await CompleteAsync(part, partNumber++, isLast: false));
                    part = null;
                }

                part ??= await PartWriter.CreateAsync(storage.StagingFileFor(ArchiveLayout.PartPath(day.Day, partNumber)), _options, cancellationToken);
                await part.AddAsync(row, cancellationToken);
            }

            if (part is not null)
            {
                written.Add(await CompleteAsync(part, partNumber, isLast: true));
                part = null;
            }
        }
        finally
        {
            if (part is not null)
            {
                await part.DisposeAsync();
                File.Delete(part.Path);
            }
        }

        if (streamed > 0 && (min != stats.MinMicros || max != stats.MaxMicros))
        {
            throw new ArchiveVerificationException($"{day.Partition}: streamed time range {min}..{max}, snapshot {stats.MinMicros}..{stats.MaxMicros}.");
        }

        return streamed;

        async Task<(PartMetadata, string, long)> CompleteAsync(PartWriter writer, int number, bool isLast)
        {
            var sum = writer.Checksum;
            var metadata = new PartMetadata(run.Instance, run.Id, exportId, day.Partition, day.Day, number, coverage.NextPart, isLast,
                coverage.CoveredRows, stats.Rows, sum.Rows, sum.Value, sum.MinMicros, sum.MaxMicros);
            await writer.CompleteAsync(metadata, cancellationToken);
            await writer.DisposeAsync();
            return (metadata, writer.Path, new FileInfo(writer.Path).Length);
        }
    }
}
