namespace IotAspire.Core.Archive;

/// <summary>The columns of an archived telemetry part, as written by the Archiver and read by the Api.</summary>
public static class ArchiveColumns
{
    public const string DeviceId = "device_id";
    public const string Metric = "metric";

    /// <summary>INT64 microseconds since the Unix epoch, TIMESTAMP(isAdjustedToUTC, MICROS).</summary>
    public const string Timestamp = "ts";

    public const string Number = "num_value";
    public const string Boolean = "bool_value";
    public const string Text = "text_value";

    /// <summary>Raised when the columns or their meaning change; written into every part's key-value metadata.</summary>
    public const int SchemaVersion = 1;
}
