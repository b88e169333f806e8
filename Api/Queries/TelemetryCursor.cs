using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace IotAspire.Api.Queries;

/// <summary>
/// The keyset position in a telemetry series: the time of the last point returned. Time alone is enough
/// because (device, metric, ts) is the table's primary key. Clients may also pass a plain ISO-8601 timestamp.
/// </summary>
public static class TelemetryCursor
{
    private const string Prefix = "t1:";

    public static string Encode(DateTime timestamp)
    {
        var micros = (timestamp.ToUniversalTime().Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(Prefix + micros.ToString(CultureInfo.InvariantCulture)));
    }

    /// <summary>Reads an opaque cursor from <see cref="Encode"/> or an ISO-8601 timestamp (UTC unless it has an offset).</summary>
    public static bool TryParse(string? text, out DateTime timestamp)
    {
        timestamp = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (TryDecodeOpaque(text, out timestamp))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var parsed))
        {
            timestamp = parsed.UtcDateTime;
            return true;
        }

        return false;
    }

    private static bool TryDecodeOpaque(string text, out DateTime timestamp)
    {
        timestamp = default;
        if (text.Length > 64 || !Base64Url.IsValid(text))
        {
            return false;
        }

        var decoded = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(text));
        if (!decoded.StartsWith(Prefix, StringComparison.Ordinal)
            || !long.TryParse(decoded.AsSpan(Prefix.Length), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var micros))
        {
            return false;
        }

        var ticks = DateTime.UnixEpoch.Ticks + (micros * TimeSpan.TicksPerMicrosecond);
        if (micros > (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond
            || ticks < DateTime.MinValue.Ticks)
        {
            return false;
        }

        timestamp = new DateTime(ticks, DateTimeKind.Utc);
        return true;
    }
}
