using System.Text.Json;

namespace IotAspire.DeviceWorker.Presence;

/// <summary>The device's retained status, <c>{"online":true|false}</c> (its Last Will carries false). Other fields are allowed.</summary>
public static class StatusPayload
{
    /// <returns>The online flag, or null with <paramref name="error"/> set when the payload is not a valid status.</returns>
    public static bool? Parse(ReadOnlySpan<byte> payload, out string? error)
    {
        error = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "the status must be a JSON object like {\"online\":true}";
                return null;
            }

            if (!document.RootElement.TryGetProperty("online", out var online)
                || online.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = "the status must have a boolean \"online\"";
                return null;
            }

            return online.GetBoolean();
        }
        catch (JsonException ex)
        {
            error = "the status is not valid JSON: " + ex.Message;
            return null;
        }
    }
}
