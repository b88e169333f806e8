namespace IotAspire.Core.Telemetry;

/// <summary>What a telemetry message may contain. Anything beyond is rejected whole, with a reason.</summary>
public static class TelemetryLimits
{
    public const int MaxMetricNameLength = 128;
    public const int MaxTextValueLength = 1024;
    public const int MaxValuesPerMessage = 1000;

    /// <summary>JSON nesting depth, the root object included.</summary>
    public const int MaxJsonDepth = 8;

    /// <summary>Devices whose clock was never set: anything before this is rejected, whatever the window.</summary>
    public static readonly DateTimeOffset EarliestTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Default of how far before the receive time a timestamp may be: two years, the default rollup retention
    /// (Retention:RollupDays), so that buffered data of a device that was offline for months is still accepted,
    /// while a clock reset to a year long gone is not.
    /// </summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(730);

    /// <summary>Default of how far past the receive time a timestamp may be.</summary>
    public static readonly TimeSpan DefaultMaxFutureSkew = TimeSpan.FromDays(1);

    /// <summary>Numeric timestamps above this are milliseconds, below it seconds (1e11 s is the year 5138).</summary>
    public const double MillisecondsThreshold = 1e11;
}
