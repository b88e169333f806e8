using IotAspire.Core.Archive;
using Parquet;
using Parquet.Schema;

namespace IotAspire.Archiver.Export;

/// <summary>The Parquet schema and writer options of a part (ArchiveColumns names the columns).</summary>
public static class PartFormat
{
    public static readonly DataField<string> DeviceId = new(ArchiveColumns.DeviceId, false);
    public static readonly DataField<string> Metric = new(ArchiveColumns.Metric, false);

    /// <summary>INT64 microseconds, adjusted to UTC (not the legacy INT96 Parquet.Net writes for DateTime by default).</summary>
    public static readonly DateTimeDataField Timestamp =
        new(ArchiveColumns.Timestamp, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros, isNullable: false);

    public static readonly DataField<double?> Number = new(ArchiveColumns.Number);
    public static readonly DataField<bool?> Boolean = new(ArchiveColumns.Boolean);
    public static readonly DataField<string> Text = new(ArchiveColumns.Text, true);

    public static readonly ParquetSchema Schema = new(DeviceId, Metric, Timestamp, Number, Boolean, Text);

    /// <summary>Parquet.Net pools page buffers without bound unless told: keep at most this much of them free.</summary>
    private const int PoolFreeBytes = 64 * 1024 * 1024;

    public static ParquetOptions ReaderOptions { get; } = new()
    {
        MaximumSmallPoolFreeBytes = PoolFreeBytes,
        MaximumLargePoolFreeBytes = PoolFreeBytes,
    };

    public static ParquetOptions WriterOptions(ArchiveOptions options)
    {
        var parquet = new ParquetOptions
        {
            CompressionMethod = CompressionMethod.Zstd,
            CompressionLevel = options.ZstdLevel,
            RowGroupSize = options.RowGroupRows,
            // Without a sample Parquet.Net hashes every value of every column to decide on a dictionary: for a million
            // distinct times or numbers that is hundreds of MB and most of the write time.
            DictionaryEncodingSampleSize = 10_000,
            MaximumSmallPoolFreeBytes = PoolFreeBytes,
            MaximumLargePoolFreeBytes = PoolFreeBytes,
        };
        // Few distinct device ids and metric names per row group: a dictionary page and small indexes per value.
        parquet.ColumnEncodingHints[DeviceId.Path.ToString()] = EncodingHint.Dictionary;
        parquet.ColumnEncodingHints[Metric.Path.ToString()] = EncodingHint.Dictionary;
        return parquet;
    }
}
