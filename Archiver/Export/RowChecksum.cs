using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using IotAspire.Core.Telemetry;

namespace IotAspire.Archiver.Export;

/// <summary>
/// XxHash3 over the rows in order, in a fixed encoding: the same rows in the same order give the same checksum whoever
/// reads them (the database's stream while writing, the file when verifying or adopting it).
/// </summary>
public sealed class RowChecksum
{
    private readonly XxHash3 _hash = new();
    private readonly byte[] _row = new byte[8 + 8 + 1 + 8];
    private string? _device;
    private string? _metric;
    private ulong _series;

    public long Rows { get; private set; }
    public long MinMicros { get; private set; } = long.MaxValue;
    public long MaxMicros { get; private set; } = long.MinValue;

    public void Add(in ArchiveRow row)
    {
        if (!string.Equals(row.DeviceId, _device, StringComparison.Ordinal) || !string.Equals(row.Metric, _metric, StringComparison.Ordinal))
        {
            _device = row.DeviceId;
            _metric = row.Metric;
            _series = XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(row.DeviceId + "\0" + row.Metric));
        }

        var span = _row.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(span, _series);
        BinaryPrimitives.WriteInt64LittleEndian(span[8..], row.Micros);
        span[16] = (byte)row.Value.Kind;
        BinaryPrimitives.WriteInt64LittleEndian(span[17..], row.Value.Kind switch
        {
            TelemetryValueKind.Number => BitConverter.DoubleToInt64Bits(row.Value.Number),
            TelemetryValueKind.Boolean => row.Value.Boolean ? 1 : 0,
            _ => Encoding.UTF8.GetByteCount(row.Value.Text!),
        });
        _hash.Append(span);
        if (row.Value.Kind == TelemetryValueKind.Text)
        {
            _hash.Append(Encoding.UTF8.GetBytes(row.Value.Text!));
        }

        Rows++;
        MinMicros = Math.Min(MinMicros, row.Micros);
        MaxMicros = Math.Max(MaxMicros, row.Micros);
    }

    public string Value => Convert.ToHexStringLower(BitConverter.GetBytes(_hash.GetCurrentHashAsUInt64()));
}
