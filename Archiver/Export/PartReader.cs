using IotAspire.Core.Telemetry;
using Parquet;

namespace IotAspire.Archiver.Export;

/// <summary>Reads a part back row by row (one row group in memory at a time, in buffers reused across groups), with its metadata.</summary>
public static class PartReader
{
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(file, PartFormat.ReaderOptions, cancellationToken: cancellationToken);
        return reader.CustomMetadata;
    }

    public static async IAsyncEnumerable<ArchiveRow> ReadAsync(
        string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        await using var reader = await ParquetReader.CreateAsync(file, PartFormat.ReaderOptions, cancellationToken: cancellationToken);
        var columns = new Columns(0);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            var n = await ReadGroupAsync(reader, g, columns, cancellationToken);
            columns = n.Columns;
            for (var i = 0; i < n.Rows; i++)
            {
                var value = columns.Numbers[i] is { } number ? TelemetryValue.FromNumber(number)
                    : columns.Booleans[i] is { } boolean ? TelemetryValue.FromBoolean(boolean)
                    : TelemetryValue.FromText(columns.Texts[i]!);
                yield return new ArchiveRow(columns.Devices[i]!, columns.Metrics[i]!, ArchiveRow.ToMicros(columns.Times[i]), value);
            }
        }
    }

    private static async Task<(Columns Columns, int Rows)> ReadGroupAsync(ParquetReader reader, int index, Columns columns, CancellationToken cancellationToken)
    {
        using var group = reader.OpenRowGroupReader(index);
        var n = checked((int)group.RowCount);
        if (columns.Capacity < n)
        {
            columns = new Columns(n);
        }

        await group.ReadAsync(PartFormat.DeviceId, columns.Devices.AsMemory(0, n), cancellationToken: cancellationToken);
        await group.ReadAsync(PartFormat.Metric, columns.Metrics.AsMemory(0, n), cancellationToken: cancellationToken);
        await group.ReadAsync<DateTime>(PartFormat.Timestamp, columns.Times.AsMemory(0, n), cancellationToken: cancellationToken);
        await group.ReadAsync(PartFormat.Number, columns.Numbers.AsMemory(0, n), cancellationToken: cancellationToken);
        await group.ReadAsync(PartFormat.Boolean, columns.Booleans.AsMemory(0, n), cancellationToken: cancellationToken);
        await group.ReadAsync(PartFormat.Text, columns.Texts.AsMemory(0, n), cancellationToken: cancellationToken);
        return (columns, n);
    }

    private sealed class Columns(int capacity)
    {
        public int Capacity => capacity;
        public string?[] Devices { get; } = new string?[capacity];
        public string?[] Metrics { get; } = new string?[capacity];
        public DateTime[] Times { get; } = new DateTime[capacity];
        public double?[] Numbers { get; } = new double?[capacity];
        public bool?[] Booleans { get; } = new bool?[capacity];
        public string?[] Texts { get; } = new string?[capacity];
    }
}
