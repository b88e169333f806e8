using IotAspire.Core.Telemetry;
using Parquet;

namespace IotAspire.Archiver.Export;

/// <summary>
/// Writes one part file: rows in, one row group per <see cref="ArchiveOptions.RowGroupRows"/> rows, the checksum and
/// time range of what went in, and on completion the key-value metadata and a flush to disk. Memory is bounded by one
/// row group's columns.
/// </summary>
public sealed class PartWriter : IAsyncDisposable
{
    private readonly FileStream _file;
    private readonly ParquetWriter _writer;
    private readonly int _groupRows;
    private readonly string[] _devices;
    private readonly string[] _metrics;
    private readonly DateTime[] _times;
    private readonly double?[] _numbers;
    private readonly bool?[] _booleans;
    private readonly string?[] _texts;
    private int _buffered;
    private bool _completed;

    private PartWriter(FileStream file, ParquetWriter writer, int groupRows)
    {
        _file = file;
        _writer = writer;
        _groupRows = groupRows;
        _devices = new string[groupRows];
        _metrics = new string[groupRows];
        _times = new DateTime[groupRows];
        _numbers = new double?[groupRows];
        _booleans = new bool?[groupRows];
        _texts = new string?[groupRows];
    }

    public string Path => _file.Name;

    public RowChecksum Checksum { get; } = new();

    /// <summary>Bytes on disk so far (row groups written; the buffered rows are not in it yet).</summary>
    public long BytesWritten => _file.Position;

    public static async Task<PartWriter> CreateAsync(string path, ArchiveOptions options, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, bufferSize: 1 << 16);
        try
        {
            var writer = await ParquetWriter.CreateAsync(PartFormat.Schema, file, PartFormat.WriterOptions(options), cancellationToken: cancellationToken);
            return new PartWriter(file, writer, options.RowGroupRows);
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    public async ValueTask AddAsync(ArchiveRow row, CancellationToken cancellationToken)
    {
        var i = _buffered;
        _devices[i] = row.DeviceId;
        _metrics[i] = row.Metric;
        _times[i] = ArchiveRow.FromMicros(row.Micros);
        _numbers[i] = row.Value.Kind == TelemetryValueKind.Number ? row.Value.Number : null;
        _booleans[i] = row.Value.Kind == TelemetryValueKind.Boolean ? row.Value.Boolean : null;
        _texts[i] = row.Value.Text;
        Checksum.Add(row);
        if (++_buffered == _groupRows)
        {
            await FlushGroupAsync(cancellationToken);
        }
    }

    /// <summary>Writes what is buffered, the metadata and the footer, and flushes the file to disk (fsync).</summary>
    public async Task CompleteAsync(PartMetadata metadata, CancellationToken cancellationToken)
    {
        await FlushGroupAsync(cancellationToken);
        _writer.CustomMetadata = metadata.ToKeyValues();

        await _writer.DisposeAsync();
        _completed = true;
        await _file.FlushAsync(cancellationToken);
        _file.Flush(flushToDisk: true);
    }

    private async Task FlushGroupAsync(CancellationToken cancellationToken)
    {
        if (_buffered == 0)
        {
            return;
        }

        var n = _buffered;
        using (var group = _writer.CreateRowGroup())
        {
            await group.WriteAsync(PartFormat.DeviceId, Slice(_devices, n));
            await group.WriteAsync(PartFormat.Metric, Slice(_metrics, n));
            await group.WriteAsync<DateTime>(PartFormat.Timestamp, _times.AsMemory(0, n), cancellationToken: cancellationToken);
            await group.WriteAsync<double>(PartFormat.Number, _numbers.AsMemory(0, n), cancellationToken: cancellationToken);
            await group.WriteAsync<bool>(PartFormat.Boolean, _booleans.AsMemory(0, n), cancellationToken: cancellationToken);
            await group.WriteAsync(PartFormat.Text, Slice(_texts!, n));
        }

        Array.Clear(_texts, 0, n); // Drop references to strings already written.
        _buffered = 0;
    }

    /// <summary>Parquet.Net copies a string collection that is not an array: a full group goes as it is.</summary>
    private static string[] Slice(string[] values, int count) => count == values.Length ? values : values[..count];

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            await _writer.DisposeAsync();
        }

        await _file.DisposeAsync();
    }
}
