using IotAspire.Core.Telemetry;

namespace IotAspire.Archiver.Export;

/// <summary>One archived point. Parts hold rows ordered by device id, metric (both ordinal) and time.</summary>
public readonly record struct ArchiveRow(string DeviceId, string Metric, long Micros, TelemetryValue Value)
{
    public static int CompareKeys(in ArchiveRow a, in ArchiveRow b)
    {
        var byDevice = string.CompareOrdinal(a.DeviceId, b.DeviceId);
        if (byDevice != 0)
        {
            return byDevice;
        }

        var byMetric = string.CompareOrdinal(a.Metric, b.Metric);
        return byMetric != 0 ? byMetric : a.Micros.CompareTo(b.Micros);
    }

    public static long ToMicros(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;

    public static DateTime FromMicros(long micros) => new(DateTime.UnixEpoch.Ticks + (micros * TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);
}
