namespace IotAspire.IntegrationTests.Archive;

/// <summary>What "every row exactly once" means, checked the same way by every archive test.</summary>
public static class ArchiveAssert
{
    /// <summary>Each expected point is in the archive once, with its value and time, in the folder of its UTC day; nothing else is.</summary>
    public static void ExactlyOnce(IEnumerable<KnownPoint> expected, IReadOnlyList<ArchivedRow> archived)
    {
        var duplicates = archived.GroupBy(Key).Where(g => g.Count() > 1).Select(g => g.Key).Take(5).ToList();
        Assert.True(duplicates.Count == 0, $"archived more than once: {string.Join("; ", duplicates)}");

        var byKey = archived.ToDictionary(Key);
        var wanted = expected.ToList();
        Assert.Equal(wanted.Count, archived.Count);
        foreach (var point in wanted)
        {
            Assert.True(byKey.TryGetValue((point.DeviceId, point.Metric, point.Micros), out var row), $"not archived: {point}");
            Assert.Equal(point.Value, row.Point.Value);
            Assert.Equal(point.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), row.FolderDay);
            Assert.StartsWith($"telemetry/date={row.FolderDay}/part-", row.File, StringComparison.Ordinal);
        }
    }

    /// <summary>Only final parts: no staging file is left, and every name is part-NNNNN.parquet.</summary>
    public static void OnlyFinalParts(string root)
    {
        foreach (var part in ArchiveFiles.Parts(root))
        {
            Assert.Matches(@"^telemetry/date=\d{4}-\d{2}-\d{2}/part-\d{5}\.parquet$", part.Replace('\\', '/'));
        }
    }

    private static (string, string, long) Key(ArchivedRow row) => (row.Point.DeviceId, row.Point.Metric, row.Point.Micros);
}
