using System.Globalization;

namespace IotAspire.Archiver.Export;

/// <summary>
/// What a part says about itself in its Parquet key-value metadata: where it came from (source partition, run, schema
/// version) and enough to adopt it after a crash between publishing it and committing its manifest row.
/// </summary>
/// <param name="ExportId">One id for the parts one export wrote (an export writes a new part every ~1 GB).</param>
/// <param name="FirstPart">The first part number of that export.</param>
/// <param name="IsLast">Whether this is the export's last part.</param>
/// <param name="CoveredBefore">The day's covered rows when the export started (the manifest must still say so to adopt).</param>
/// <param name="CoveredAfter">The raw partition's rows in the export's snapshot: all of them are archived once the export commits.</param>
public sealed record PartMetadata(
    Guid Instance,
    Guid RunId,
    Guid ExportId,
    string SourcePartition,
    DateOnly Day,
    int Part,
    int FirstPart,
    bool IsLast,
    long CoveredBefore,
    long CoveredAfter,
    long Rows,
    string Checksum,
    long MinMicros,
    long MaxMicros)
{
    private const string Prefix = "iotaspire.";

    public Dictionary<string, string> ToKeyValues() => new()
    {
        [Prefix + "schema_version"] = Core.Archive.ArchiveColumns.SchemaVersion.ToString(CultureInfo.InvariantCulture),
        [Prefix + "archive_instance"] = Instance.ToString(),
        [Prefix + "run_id"] = RunId.ToString(),
        [Prefix + "export_id"] = ExportId.ToString(),
        [Prefix + "source_partition"] = SourcePartition,
        [Prefix + "day"] = Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        [Prefix + "part"] = Text(Part),
        [Prefix + "first_part"] = Text(FirstPart),
        [Prefix + "last"] = IsLast ? "true" : "false",
        [Prefix + "covered_before"] = Text(CoveredBefore),
        [Prefix + "covered_after"] = Text(CoveredAfter),
        [Prefix + "rows"] = Text(Rows),
        [Prefix + "checksum"] = Checksum,
        [Prefix + "min_ts_us"] = Text(MinMicros),
        [Prefix + "max_ts_us"] = Text(MaxMicros),
    };

    /// <summary>Null when a key is missing or malformed: not a part this Archiver wrote.</summary>
    public static PartMetadata? TryRead(IReadOnlyDictionary<string, string> values)
    {
        try
        {
            string Get(string key) => values[Prefix + key];
            long Long(string key) => long.Parse(Get(key), CultureInfo.InvariantCulture);
            return new PartMetadata(
                Guid.Parse(Get("archive_instance")), Guid.Parse(Get("run_id")), Guid.Parse(Get("export_id")), Get("source_partition"),
                DateOnly.ParseExact(Get("day"), "yyyy-MM-dd", CultureInfo.InvariantCulture),
                (int)Long("part"), (int)Long("first_part"), Get("last") == "true", Long("covered_before"), Long("covered_after"),
                Long("rows"), Get("checksum"), Long("min_ts_us"), Long("max_ts_us"));
        }
        catch (Exception ex) when (ex is KeyNotFoundException or FormatException or OverflowException)
        {
            return null;
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
