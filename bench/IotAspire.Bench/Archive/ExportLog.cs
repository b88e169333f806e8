using System.Globalization;
using System.Text.RegularExpressions;

namespace IotAspire.Bench.Archive;

/// <summary>One "Exported ..." line of the Archiver's log.</summary>
public sealed record ExportedDay(string Day, long Rows, long Bytes, double Seconds, double RowsPerSecond);

/// <summary>Reads the Archiver's per-day log lines (ArchiveCycle.LogExported).</summary>
public static partial class ExportLog
{
    public static List<ExportedDay> Days(string output) =>
        [.. ExportedLine().Matches(output).Select(m => new ExportedDay(
            m.Groups[1].Value,
            long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture),
            Math.Round(long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) / double.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture))))];

    [GeneratedRegex(@"Exported (\d{4}-\d{2}-\d{2}): \d+ parts, \d+ new rows of (\d+) read, (\d+) bytes in ([\d.]+) s")]
    private static partial Regex ExportedLine();
}
