using IotAspire.Core.Telemetry;
using Parquet;

namespace IotAspire.Archiver.Export;

/// <summary>Reads a part back row by row (one row group in memory at a time), with the metadata it carries.</summary>
public static class PartReader
{
    public static async Task<IReadOnlyDictionary<string, string>> ReadMetadataAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        return reader.CustomMetadata;
    }

    public static async IAsyncEnumerable<ArchiveRow> ReadAsync(
        string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken);
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            var devices = new string?[n];
            var metrics = new string?[n];
            var times = new DateTime[n];
            var numbers = new double?[n];
            var booleans = new bool?[n];
            var texts = new string?[n];
            await group.ReadAsync(PartFormat.DeviceId, devices.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(PartFormat.Metric, metrics.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync<DateTime>(PartFormat.Timestamp, times.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(PartFormat.Number, numbers.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(PartFormat.Boolean, booleans.AsMemory(), cancellationToken: cancellationToken);
            await group.ReadAsync(PartFormat.Text, texts.AsMemory(), cancellationToken: cancellationToken);
            for (var i = 0; i < n; i++)
            {
                var value = numbers[i] is { } number ? TelemetryValue.FromNumber(number)
                    : booleans[i] is { } boolean ? TelemetryValue.FromBoolean(boolean)
                    : TelemetryValue.FromText(texts[i]!);
                yield return new ArchiveRow(devices[i]!, metrics[i]!, ArchiveRow.ToMicros(times[i]), value);
            }
        }
    }
}
