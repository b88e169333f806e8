using IotAspire.Archiver;
using IotAspire.Archiver.Export;
using IotAspire.Archiver.Storage;
using IotAspire.Core.Telemetry;

namespace IotAspire.UnitTests.Archiver;

/// <summary>Parts written, read back, verified and merged as keys, in a temporary folder.</summary>
public sealed class PartFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("iotaspire-parts-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task ReadAsync_PartWritten_GivesTheSameRowsInOrder()
    {
        var rows = Rows(("Dev-C", "a", 1), ("dev-a", "door", 2), ("dev-a", "temp", 3));

        var file = await WriteAsync("one.parquet", rows);

        Assert.Equal(rows, await ReadAsync(file));
    }

    [Fact]
    public async Task CheckAsync_PartAsWritten_IsNull()
    {
        var rows = Rows(("d", "m", 1), ("d", "m", 2));
        var file = await WriteAsync("ok.parquet", rows);
        var sum = Checksum(rows);

        Assert.Null(await PartVerifier.CheckAsync(file, 2, sum.Value, 1, 2, CancellationToken.None));
    }

    [Fact]
    public async Task CheckAsync_OtherChecksumOrCount_SaysWhatDiffers()
    {
        var rows = Rows(("d", "m", 1), ("d", "m", 2));
        var file = await WriteAsync("bad.parquet", rows);

        Assert.Contains("checksum", await PartVerifier.CheckAsync(file, 2, "0000000000000000", 1, 2, CancellationToken.None));
        Assert.Contains("3 written", await PartVerifier.CheckAsync(file, 3, Checksum(rows).Value, 1, 2, CancellationToken.None));
    }

    [Fact]
    public async Task ContainsAsync_KeysOfTwoParts_FindsEachAndNothingElse()
    {
        var first = await WriteAsync("p0.parquet", Rows(("a", "m", 1), ("b", "m", 5)));
        var second = await WriteAsync("p1.parquet", Rows(("a", "m", 3), ("c", "m", 1)));
        await using var keys = await ArchivedKeys.OpenAsync(new LocalArchiveStorage(_folder), [Path.GetFileName(first), Path.GetFileName(second)], CancellationToken.None);

        var asked = Rows(("a", "m", 1), ("a", "m", 2), ("a", "m", 3), ("b", "m", 4), ("b", "m", 5), ("c", "m", 1), ("c", "m", 2));
        var found = new List<bool>();
        foreach (var row in asked)
        {
            found.Add(await keys.ContainsAsync(row));
        }

        Assert.Equal([true, false, true, false, true, true, false], found);
    }

    [Fact]
    public void Checksum_SameRowsOtherOrderOrValue_Differs()
    {
        var rows = Rows(("d", "m", 1), ("d", "m", 2));

        Assert.Equal(Checksum(rows).Value, Checksum(Rows(("d", "m", 1), ("d", "m", 2))).Value);
        Assert.NotEqual(Checksum(rows).Value, Checksum([rows[1], rows[0]]).Value);
        Assert.NotEqual(Checksum(rows).Value, Checksum([rows[0], rows[1] with { Value = TelemetryValue.FromNumber(2.5) }]).Value);
        Assert.NotEqual(Checksum(rows).Value, Checksum([rows[0], rows[1] with { Value = TelemetryValue.FromText("2") }]).Value);
    }

    [Fact]
    public void CompareKeys_Rows_OrdinalByDeviceThenMetricThenTime()
    {
        var rows = Rows(("dev-a", "x", 1), ("Dev-C", "z", 9), ("dev-a", "Y", 5), ("dev-a", "Y", 2));

        rows.Sort((a, b) => ArchiveRow.CompareKeys(a, b));

        Assert.Equal([("Dev-C", "z", 9L), ("dev-a", "Y", 2L), ("dev-a", "Y", 5L), ("dev-a", "x", 1L)], rows.Select(r => (r.DeviceId, r.Metric, r.Micros)));
    }

    private static List<ArchiveRow> Rows(params (string Device, string Metric, long Micros)[] keys) =>
        [.. keys.Select((k, i) => new ArchiveRow(k.Device, k.Metric, k.Micros, (i % 3) switch
        {
            0 => TelemetryValue.FromNumber(i * 1.5),
            1 => TelemetryValue.FromBoolean(true),
            _ => TelemetryValue.FromText($"t{i}"),
        }))];

    private static RowChecksum Checksum(IEnumerable<ArchiveRow> rows)
    {
        var sum = new RowChecksum();
        foreach (var row in rows)
        {
            sum.Add(row);
        }

        return sum;
    }

    private async Task<string> WriteAsync(string name, IReadOnlyList<ArchiveRow> rows)
    {
        var path = Path.Combine(_folder, name);
        await using var writer = await PartWriter.CreateAsync(path, new ArchiveOptions { RowGroupRows = 1_000 }, CancellationToken.None);
        foreach (var row in rows)
        {
            await writer.AddAsync(row, CancellationToken.None);
        }

        var sum = writer.Checksum;
        await writer.CompleteAsync(new PartMetadata(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "telemetry_p20260101", new DateOnly(2026, 1, 1),
            0, 0, true, 0, rows.Count, sum.Rows, sum.Value, sum.MinMicros, sum.MaxMicros), CancellationToken.None);
        return path;
    }

    private static async Task<List<ArchiveRow>> ReadAsync(string file)
    {
        var rows = new List<ArchiveRow>();
        await foreach (var row in PartReader.ReadAsync(file, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }
}
