using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace IotAspire.Core.Telemetry;

/// <summary>
/// Parses a device's telemetry message into points. Two shapes are accepted (see DESIGN.md):
/// the seed shape <c>{"deviceId","timestamp","values":[{"name","value","timestamp"?}]}</c> and the compact
/// shape <c>{"ts":…, "temperature":21.5, "gps":{"lat":1}}</c>, whose nested objects become "gps.lat".
/// A root property "values" selects the seed shape; "deviceId", "timestamp" and "ts" are never metrics.
/// A message is accepted or rejected whole; the rejection says why, so it can go to the dead-letter table.
/// Rules for untrusted input: a "deviceId" that differs from the topic's rejects the message (data is never written
/// under another device); no property is silently ignored (in the compact shape every other property is a metric,
/// in the seed shape an unexpected property rejects the message); timestamps must lie in a <see cref="TelemetryWindow"/>.
/// </summary>
public static class TelemetryParser
{
    private const string ValuesProperty = "values";
    private const string DeviceIdProperty = "deviceId";
    private static readonly string[] TimestampProperties = ["timestamp", "ts"];
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static TelemetryParseResult Parse(ReadOnlySequence<byte> payload, string deviceId, DateTimeOffset receivedAt) =>
        payload.IsSingleSegment
            ? Parse(payload.FirstSpan, deviceId, receivedAt)
            : Parse(payload.ToArray(), deviceId, receivedAt);

    /// <summary>Parses with the default time window (<see cref="TelemetryWindow.Default"/>).</summary>
    public static TelemetryParseResult Parse(ReadOnlySpan<byte> payload, string deviceId, DateTimeOffset receivedAt) =>
        Parse(payload, deviceId, receivedAt, TelemetryWindow.Default);

    /// <param name="payload">The raw message.</param>
    /// <param name="deviceId">The device id from the topic: the truth, whatever the payload says.</param>
    /// <param name="receivedAt">When the message arrived; the timestamp of values that carry none.</param>
    /// <param name="window">The times a point may carry, around <paramref name="receivedAt"/>.</param>
    public static TelemetryParseResult Parse(ReadOnlySpan<byte> payload, string deviceId, DateTimeOffset receivedAt, TelemetryWindow window)
    {
        if (payload.IsEmpty)
        {
            return TelemetryParseResult.Rejected("invalid JSON: the payload is empty");
        }

        if (payload.StartsWith(Utf8Bom))
        {
            payload = payload[Utf8Bom.Length..];
        }

        if (!Utf8.IsValid(payload))
        {
            return TelemetryParseResult.Rejected("payload is not valid UTF-8");
        }

        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = TelemetryLimits.MaxJsonDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            if (reader.Read())
            {
                return TelemetryParseResult.Rejected("invalid JSON: more than one value in the payload");
            }

            var builder = new Builder(deviceId, receivedAt, window);
            builder.ReadRoot(document.RootElement);
            return builder.Rejection is { } reason
                ? TelemetryParseResult.Rejected(reason)
                : TelemetryParseResult.Accepted(builder.Points);
        }
        catch (JsonException ex)
        {
            return TelemetryParseResult.Rejected("invalid JSON: " + ex.Message);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json reports an invalid escaped string (a lone surrogate) this way.
            return TelemetryParseResult.Rejected("invalid JSON string: " + ex.Message);
        }
    }

    /// <summary>Collects points; the first problem found sets <see cref="Rejection"/> and stops the walk.</summary>
    private sealed class Builder(string deviceId, DateTimeOffset receivedAt, TelemetryWindow window)
    {
        private readonly Dictionary<(string Metric, DateTimeOffset Timestamp), int> _indexByKey = [];
        private readonly List<TelemetryPoint> _points = [];
        private int _valueCount;

        public string? Rejection { get; private set; }

        public IReadOnlyList<TelemetryPoint> Points => _points;

        public void ReadRoot(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Reject($"the payload must be a JSON object, not {Describe(root.ValueKind)}");
                return;
            }

            if (!ReadDeviceId(root) || !TryReadTimestamp(root, "the message", receivedAt, out var messageTime))
            {
                return;
            }

            if (root.TryGetProperty(ValuesProperty, out var values))
            {
                ReadSeedShape(root, values, messageTime);
            }
            else
            {
                ReadCompactObject(root, prefix: "", messageTime);
            }

            if (Rejection is null && _points.Count == 0)
            {
                Reject("the message contains no values");
            }
        }

        private bool ReadDeviceId(JsonElement root)
        {
            if (!root.TryGetProperty(DeviceIdProperty, out var element))
            {
                return true;
            }

            if (element.ValueKind != JsonValueKind.String)
            {
                return Reject($"'{DeviceIdProperty}' must be a string, not {Describe(element.ValueKind)}");
            }

            var claimed = element.GetString();
            return string.Equals(claimed, deviceId, StringComparison.Ordinal)
                || Reject($"'{DeviceIdProperty}' '{Truncate(claimed)}' does not match the topic's device '{deviceId}'");
        }

        private void ReadSeedShape(JsonElement root, JsonElement values, DateTimeOffset messageTime)
        {
            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not (ValuesProperty or DeviceIdProperty) && !IsTimestampName(property.Name))
                {
                    Reject($"unexpected property '{Truncate(property.Name)}' next to '{ValuesProperty}'");
                    return;
                }
            }

            if (values.ValueKind != JsonValueKind.Array)
            {
                Reject($"'{ValuesProperty}' must be an array, not {Describe(values.ValueKind)}");
                return;
            }

            var index = 0;
            foreach (var item in values.EnumerateArray())
            {
                if (!ReadSeedValue(item, index++, messageTime))
                {
                    return;
                }
            }
        }

        private bool ReadSeedValue(JsonElement item, int index, DateTimeOffset messageTime)
        {
            var where = $"values[{index}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                return Reject($"{where} must be an object, not {Describe(item.ValueKind)}");
            }

            foreach (var property in item.EnumerateObject())
            {
                if (property.Name is not ("name" or "value") && !IsTimestampName(property.Name))
                {
                    return Reject($"{where} has an unexpected property '{Truncate(property.Name)}'");
                }
            }

            if (!item.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
            {
                return Reject($"{where} needs a string 'name'");
            }

            if (!item.TryGetProperty("value", out var value))
            {
                return Reject($"{where} needs a 'value'");
            }

            var name = nameElement.GetString()!;
            return TryReadTimestamp(item, where, messageTime, out var timestamp)
                && AddValue(name, value, timestamp);
        }

        private bool ReadCompactObject(JsonElement element, string prefix, DateTimeOffset messageTime)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (prefix.Length == 0 && (property.Name == DeviceIdProperty || IsTimestampName(property.Name)))
                {
                    continue; // Read already as the message's device id and time.
                }

                var name = prefix + property.Name;
                var ok = property.Value.ValueKind == JsonValueKind.Object
                    ? ReadCompactObject(property.Value, name + ".", messageTime)
                    : AddValue(name, property.Value, messageTime);
                if (!ok)
                {
                    return false;
                }
            }

            return true;
        }

        private bool AddValue(string name, JsonElement element, DateTimeOffset timestamp)
        {
            if (ValidateMetricName(name) is { } nameProblem)
            {
                return Reject(nameProblem);
            }

            if (++_valueCount > TelemetryLimits.MaxValuesPerMessage)
            {
                return Reject($"more than {TelemetryLimits.MaxValuesPerMessage} values in one message");
            }

            TelemetryValue value;
            switch (element.ValueKind)
            {
                case JsonValueKind.Number:
                    if (!element.TryGetDouble(out var number) || !double.IsFinite(number))
                    {
                        return Reject($"the value of '{name}' is not a finite number");
                    }

                    value = TelemetryValue.FromNumber(number);
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    value = TelemetryValue.FromBoolean(element.GetBoolean());
                    break;
                case JsonValueKind.String:
                    var text = element.GetString()!;
                    if (text.Length > TelemetryLimits.MaxTextValueLength)
                    {
                        return Reject($"the value of '{name}' is longer than {TelemetryLimits.MaxTextValueLength} characters");
                    }

                    if (text.Contains('\0'))
                    {
                        // PostgreSQL text cannot hold NUL; storing would fail the whole batch.
                        return Reject($"the value of '{name}' contains a NUL character");
                    }

                    value = TelemetryValue.FromText(text);
                    break;
                default:
                    return Reject($"the value of '{name}' is {Describe(element.ValueKind)}; expected a number, boolean or string");
            }

            var point = new TelemetryPoint(name, timestamp, value);
            if (_indexByKey.TryGetValue((name, timestamp), out var existing))
            {
                _points[existing] = point; // The same metric and time twice: the last one wins.
            }
            else
            {
                _indexByKey.Add((name, timestamp), _points.Count);
                _points.Add(point);
            }

            return true;
        }

        /// <summary>Reads an optional "timestamp"/"ts" of an object; without one, <paramref name="fallback"/> applies.</summary>
        private bool TryReadTimestamp(JsonElement owner, string where, DateTimeOffset fallback, out DateTimeOffset timestamp)
        {
            timestamp = fallback;
            JsonElement element = default;
            var found = false;
            foreach (var name in TimestampProperties)
            {
                if (owner.TryGetProperty(name, out var candidate))
                {
                    if (found)
                    {
                        return Reject($"{where} has both 'timestamp' and 'ts'");
                    }

                    element = candidate;
                    found = true;
                }
            }

            if (!found)
            {
                return true;
            }

            var problem = TelemetryTimestamp.Read(element, receivedAt, window, out timestamp);
            return problem is null || Reject($"the timestamp of {where} {problem}");
        }

        private bool Reject(string reason)
        {
            Rejection ??= reason;
            return false;
        }
    }

    /// <summary>Null when the name is acceptable, else why not.</summary>
    public static string? ValidateMetricName(string name)
    {
        if (name.Length == 0)
        {
            return "a metric name is empty";
        }

        if (name.Length > TelemetryLimits.MaxMetricNameLength)
        {
            return $"the metric name '{Truncate(name)}' is longer than {TelemetryLimits.MaxMetricNameLength} characters";
        }

        foreach (var c in name)
        {
            if (char.IsControl(c))
            {
                return $"the metric name '{Truncate(name)}' contains a control character";
            }
        }

        return null;
    }

    private static bool IsTimestampName(string name) => Array.IndexOf(TimestampProperties, name) >= 0;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static string? Truncate(string? text) =>
        text is { Length: > 40 } ? string.Concat(text.AsSpan(0, 40), "…") : text;
}
