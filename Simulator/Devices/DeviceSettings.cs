using System.Text.Json;
using System.Text.Json.Nodes;

namespace IotAspire.Simulator.Devices;

/// <summary>
/// What a simulated device keeps and reports in its shadow: the LED, the telemetry interval and the firmware
/// (read-only). Pure: applying a delta or a command changes these fields and says what to report back.
/// </summary>
public sealed class DeviceSettings
{
    public const string LedField = "led";
    public const string IntervalField = "interval";
    public const string FirmwareField = "firmware";
    public const string LedOn = "on";
    public const string LedOff = "off";
    public const string Firmware = "1.0.0";
    public const int MinIntervalSeconds = 1;
    public const int MaxIntervalSeconds = 3600;

    private readonly Lock _gate = new();

    public DeviceSettings(TimeSpan interval) => Interval = interval;

    public string Led { get; private set; } = LedOff;

    /// <summary>Time between two telemetry messages. Starts at the configured period (which may be below a second in load runs).</summary>
    public TimeSpan Interval { get; private set; }

    /// <summary>The full reported state, e.g. <c>{"led":"off","interval":5,"firmware":"1.0.0"}</c>.</summary>
    public JsonObject Reported()
    {
        lock (_gate)
        {
            return new JsonObject
            {
                [LedField] = Led,
                [IntervalField] = IntervalNumber(),
                [FirmwareField] = Firmware,
            };
        }
    }

    /// <summary>
    /// Applies the supported fields of a delta's <c>state</c> and returns them as they are now, to report back
    /// (which clears them from the delta). Unsupported fields and invalid values are left out: they stay in the
    /// delta, as AWS devices do with desired state they cannot reach.
    /// </summary>
    public DeltaOutcome ApplyDelta(JsonObject deltaState)
    {
        var reported = new JsonObject();
        var ignored = new List<string>();
        var intervalChanged = false;
        lock (_gate)
        {
            foreach (var (name, value) in deltaState)
            {
                switch (name)
                {
                    case LedField when TryReadLed(value, out var led):
                        Led = led;
                        reported[LedField] = led;
                        break;
                    case IntervalField when TryReadInterval(value, out var seconds):
                        intervalChanged |= SetIntervalLocked(seconds);
                        reported[IntervalField] = seconds;
                        break;
                    default:
                        ignored.Add(name);
                        break;
                }
            }
        }

        return new DeltaOutcome(reported, ignored, intervalChanged);
    }

    /// <summary>Sets the telemetry interval; true when it changed.</summary>
    public bool SetInterval(int seconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, MinIntervalSeconds);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(seconds, MaxIntervalSeconds);
        lock (_gate)
        {
            return SetIntervalLocked(seconds);
        }
    }

    /// <summary>An integer number of seconds within 1..3600 (5.0 counts as 5; 5.5, "5" and 0 do not).</summary>
    public static bool TryReadInterval(JsonNode? value, out int seconds)
    {
        seconds = 0;
        if (value is not JsonValue number || number.GetValueKind() != JsonValueKind.Number || !number.TryGetValue<double>(out var raw))
        {
            return false;
        }

        if (raw != Math.Floor(raw) || raw < MinIntervalSeconds || raw > MaxIntervalSeconds)
        {
            return false;
        }

        seconds = (int)raw;
        return true;
    }

    private static bool TryReadLed(JsonNode? value, out string led)
    {
        led = value is JsonValue text && text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : "";
        return led is LedOn or LedOff;
    }

    private bool SetIntervalLocked(int seconds)
    {
        var interval = TimeSpan.FromSeconds(seconds);
        var changed = interval != Interval;
        Interval = interval;
        return changed;
    }

    /// <summary>Whole seconds as an integer; a sub-second load-run period as a decimal.</summary>
    private JsonNode IntervalNumber()
    {
        var seconds = Interval.TotalSeconds;
        return seconds == Math.Floor(seconds) ? JsonValue.Create((long)seconds) : JsonValue.Create(Math.Round(seconds, 6));
    }
}

/// <summary>What a delta did: the fields to report back, the ones the device ignored, and whether the interval changed.</summary>
public sealed record DeltaOutcome(JsonObject Reported, IReadOnlyList<string> Ignored, bool IntervalChanged);
