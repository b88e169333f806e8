using System.Globalization;
using System.Text.RegularExpressions;

namespace IotAspire.Core.Archive;

/// <summary>
/// Where archived telemetry lives under the archive root, Hive-style so that any Parquet reader can prune by day:
/// <c>telemetry/date=YYYY-MM-DD/part-NNNNN.parquet</c>. Names are deterministic (day and part number), so a retried
/// export writes the same name again.
/// </summary>
public static partial class ArchiveLayout
{
    public const string Dataset = "telemetry";

    /// <summary>Files being written end with this; they are never part of the archive and are removed at start.</summary>
    public const string TemporarySuffix = ".tmp";

    public static string DayFolder(DateOnly day) =>
        $"{Dataset}/date={day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    public static string PartPath(DateOnly day, int part) =>
        $"{DayFolder(day)}/part-{part.ToString("D5", CultureInfo.InvariantCulture)}.parquet";

    /// <summary>Reads the day and part number back from a path made by <see cref="PartPath"/>.</summary>
    public static bool TryParsePartPath(string path, out DateOnly day, out int part)
    {
        day = default;
        part = 0;
        var match = PartPathPattern().Match(path.Replace('\\', '/'));
        return match.Success
            && DateOnly.TryParseExact(match.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day)
            && int.TryParse(match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out part);
    }

    [GeneratedRegex(@"(?:^|/)telemetry/date=(\d{4}-\d{2}-\d{2})/part-(\d{5})\.parquet$")]
    private static partial Regex PartPathPattern();
}
