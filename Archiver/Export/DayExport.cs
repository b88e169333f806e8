using IotAspire.Archiver.Manifest;

namespace IotAspire.Archiver.Export;

/// <summary>What exporting one day did.</summary>
/// <param name="Committed">False when there was nothing new, or the manifest had moved on (another Archiver).</param>
/// <param name="RowsRead">Rows streamed from the database (the whole day; late exports skip what is archived).</param>
/// <param name="WriteSeconds">Reading the snapshot and writing the parts; the rest of Elapsed is verifying, publishing and committing.</param>
public sealed record DayExport(RawDay Day, bool Committed, long RowsRead, IReadOnlyList<ArchivedPart> Parts, TimeSpan Elapsed, double WriteSeconds = 0)
{
    public long RowsWritten => Parts.Sum(p => p.Rows);
    public long BytesWritten => Parts.Sum(p => p.Bytes);
}

/// <summary>An export that must not be committed: the file or the stream did not match the database.</summary>
public sealed class ArchiveVerificationException(string message) : Exception(message);
