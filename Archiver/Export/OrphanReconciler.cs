using IotAspire.Archiver.Manifest;
using IotAspire.Archiver.Storage;
using IotAspire.Core.Archive;

namespace IotAspire.Archiver.Export;

/// <summary>
/// Published parts without a manifest row: an export that crashed (or lost its database) between publishing and
/// committing. They are adopted when they are exactly that export (every part of it present, each read back intact, and
/// the day's coverage still what the export started from): the commit is then made as it would have been. Otherwise
/// they are removed and the day is exported again under the same names. Parts of another archive (another database)
/// are never touched: that is a configuration error, reported as such.
/// </summary>
public sealed partial class OrphanReconciler(ArchiveManifest manifest, IArchiveStorage storage, ArchiveRun run, ILogger<OrphanReconciler> logger)
{
    /// <summary>Reconciles one day, or every day when <paramref name="day"/> is null; returns the parts adopted and removed.</summary>
    public async Task<(int Adopted, int Removed)> ReconcileAsync(DateOnly? day, CancellationToken cancellationToken)
    {
        var committed = day is { } d
            ? (await manifest.PartPathsAsync(d, cancellationToken)).ToHashSet(StringComparer.Ordinal)
            : await manifest.AllPartPathsAsync(cancellationToken);
        var files = await storage.ListAsync(day is { } only ? ArchiveLayout.DayFolder(only) : ArchiveLayout.Dataset, cancellationToken);
        var orphans = new List<(DateOnly Day, int Part, string Path)>();
        foreach (var path in files.Where(p => !committed.Contains(p)))
        {
            if (ArchiveLayout.TryParsePartPath(path, out var partDay, out var part))
            {
                orphans.Add((partDay, part, path));
            }
        }

        int adopted = 0, removed = 0;
        foreach (var group in orphans.GroupBy(o => o.Day))
        {
            var parts = group.OrderBy(o => o.Part).ToList();
            if (await TryAdoptAsync(group.Key, parts, cancellationToken))
            {
                adopted += parts.Count;
                continue;
            }

            foreach (var (_, _, path) in parts)
            {
                await storage.DeleteAsync(path, cancellationToken);
                LogRemoved(path);
            }

            removed += parts.Count;
        }

        return (adopted, removed);
    }

    private async Task<bool> TryAdoptAsync(DateOnly day, List<(DateOnly Day, int Part, string Path)> orphans, CancellationToken cancellationToken)
    {
        var coverage = await manifest.CoverageAsync(day, cancellationToken);
        var parts = new List<ArchivedPart>();
        PartMetadata? first = null;
        var complete = false;
        foreach (var (_, number, path) in orphans)
        {
            using var copy = await storage.OpenLocalAsync(path, cancellationToken);
            var metadata = PartMetadata.TryRead(await PartReader.ReadMetadataAsync(copy.Path, cancellationToken));
            if (metadata is null || metadata.Instance != run.Instance)
            {
                throw new InvalidOperationException(
                    $"{storage.Description}: {path} was not written for this database's archive; point Archive:Root (or the bucket) elsewhere, or remove it.");
            }

            first ??= metadata;
            var fits = metadata.ExportId == first.ExportId && metadata.Part == number && number == coverage.NextPart + parts.Count
                && metadata.FirstPart == coverage.NextPart && metadata.CoveredBefore == coverage.CoveredRows && !complete
                && await PartVerifier.CheckAsync(copy.Path, metadata.Rows, metadata.Checksum, metadata.MinMicros, metadata.MaxMicros, cancellationToken) is null;
            if (!fits)
            {
                return false;
            }

            complete = metadata.IsLast;
            parts.Add(new ArchivedPart(day, number, path, metadata.Rows, new FileInfo(copy.Path).Length, metadata.Checksum,
                metadata.MinMicros, metadata.MaxMicros, metadata.RunId));
        }

        if (!complete || first is null || !await manifest.CommitAsync(day, coverage, first.CoveredAfter, parts, null, cancellationToken))
        {
            return false;
        }

        foreach (var part in parts)
        {
            LogAdopted(part.Path, part.Rows);
        }

        return true;
    }

    [LoggerMessage(LogLevel.Warning, "Adopted {Path} ({Rows} rows): published and verified by an export that stopped before its commit")]
    private partial void LogAdopted(string path, long rows);

    [LoggerMessage(LogLevel.Warning, "Removed {Path}: published without a manifest row and not adoptable; its day is exported again")]
    private partial void LogRemoved(string path);
}
