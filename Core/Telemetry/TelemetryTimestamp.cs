using System.Globalization;
using System.Text.Json;

namespace IotAspire.Core.Telemetry;

/// <summary>
/// Device timestamps: unix seconds or milliseconds (a number above 1e11 is milliseconds), or an ISO-8601 string.
/// Kept to microseconds, PostgreSQL's precision, so that a redelivered message maps to the same row keys.
/// </summary>
public static class TelemetryTimestamp
{
    /// <summary>Null when <paramref name="element"/> is a valid timestamp inside <paramref name="window"/>, else what is wrong with it.</summary>
    public static string? Read(JsonElement element, DateTimeOffset receivedAt, TelemetryWindow window, out DateTimeOffset timestamp)
    {
        timestamp = default;
        long ticks;
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                {
                    return "is not a finite number";
                }

                var ticksPerUnit = number > TelemetryLimits.MillisecondsThreshold
                    ? TimeSpan.TicksPerMillisecond
                    : TimeSpan.TicksPerSecond;
                var unixTicks = number * ticksPerUnit;
                // Clamp as doubles first: a huge number must not overflow the conversion. A clamped value is far
                // outside any window, so the window check below rejects it with the right reason.
                var minTicks = (double)(DateTimeOffset.MinValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) + 1e9;
                var maxTicks = (double)(DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) - 1e9;
                ticks = DateTimeOffset.UnixEpoch.UtcTicks + (long)Math.Clamp(unixTicks, minTicks, maxTicks);
                break;
            case JsonValueKind.String:
                var text = element.GetString()!;
                if (!LooksLikeIso8601(text)
                    || !DateTimeOffset.TryParse(
                        text,
                        CultureInfo.InvariantCulture,
                        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
                        out var parsed))
                {
                    return "is not an ISO-8601 date and time";
                }

                ticks = parsed.UtcTicks;
                break;
            default:
                return "must be a number (unix seconds or milliseconds) or an ISO-8601 string";
        }

        timestamp = new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
        return window.Check(timestamp, receivedAt);
    }

    /// <summary>DateTimeOffset.TryParse alone accepts far too much ("May 5", "10:00"); insist on yyyy-MM-ddThh:mm.</summary>
    private static bool LooksLikeIso8601(string text) =>
        text.Length >= 16
        && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]) && char.IsAsciiDigit(text[3])
        && text[4] == '-' && text[7] == '-' && text[10] is 'T' or 't' or ' ' && text[13] == ':';
}
