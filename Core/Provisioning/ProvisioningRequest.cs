using System.Text.Json;

namespace IotAspire.Core.Provisioning;

/// <summary>
/// A device's request for its own broker account, sent with the fleet claim credential:
/// <c>{"password":"…","name":"…","clientToken":"…"}</c> on <c>provisioning/{deviceId}/request</c>.
/// The device chooses its password because every claim holder can read every response: an answer never carries a secret.
/// </summary>
public sealed record ProvisioningRequest(string DeviceId, string Password, string Name, string? ClientToken)
{
    public const int MinPasswordLength = 16;
    public const int MaxPasswordLength = 128;
    public const int MaxNameLength = 200;
    public const int MaxClientTokenLength = 64;
    public const int MaxPayloadBytes = 4096;

    /// <summary>
    /// Parses and validates a request. On failure <paramref name="error"/> says why (it becomes the 400 answer's
    /// message) and <paramref name="clientToken"/> still carries the token when one could be read, so the device can
    /// match the rejection to its request.
    /// </summary>
    public static bool TryParse(string deviceId, ReadOnlySpan<byte> payload, out ProvisioningRequest? request, out string? clientToken, out string? error)
    {
        request = null;
        clientToken = null;
        if (payload.Length > MaxPayloadBytes)
        {
            error = $"The request is larger than {MaxPayloadBytes} bytes.";
            return false;
        }

        // Checked whole and first: the reader validates a string's UTF-8 only when the string is read.
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            error = "The request is not valid UTF-8 JSON.";
            return false;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(payload.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException)
        {
            error = "The request is not valid UTF-8 JSON.";
            return false;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "The request must be a JSON object.";
                return false;
            }

            var root = document.RootElement;
            if (!TryReadString(root, "clientToken", out clientToken, out error))
            {
                return false;
            }

            if (clientToken is { Length: > MaxClientTokenLength })
            {
                clientToken = null; // Not echoed: an answer stays small whatever the request carried.
                error = $"'clientToken' has at most {MaxClientTokenLength} characters.";
                return false;
            }

            if (!DeviceIdRules(deviceId, out error)
                || !TryReadString(root, "password", out var password, out error)
                || !TryReadString(root, "name", out var name, out error))
            {
                return false;
            }

            if (password is null || password.Length is < MinPasswordLength or > MaxPasswordLength)
            {
                error = $"'password' is required: {MinPasswordLength} to {MaxPasswordLength} characters chosen by the device.";
                return false;
            }

            if (password.Any(char.IsControl))
            {
                error = "'password' must not contain control characters.";
                return false;
            }

            name = string.IsNullOrWhiteSpace(name) ? deviceId : name.Trim();
            if (name.Length > MaxNameLength)
            {
                error = $"'name' has at most {MaxNameLength} characters.";
                return false;
            }

            request = new ProvisioningRequest(deviceId, password, name, clientToken);
            error = null;
            return true;
        }
    }

    private static bool DeviceIdRules(string deviceId, out string? error)
    {
        error = Mqtt.ReservedAccountNames.DeviceIdError(deviceId) is { } reason ? $"The topic's device id cannot be registered. {reason}" : null;
        return error is null;
    }

    /// <summary>An absent or null property is null; anything but a string is an error.</summary>
    private static bool TryReadString(JsonElement root, string property, out string? value, out string? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(property, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind != JsonValueKind.String)
        {
            error = $"'{property}' must be a string.";
            return false;
        }

        try
        {
            value = element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\ud800") is valid JSON but no text.
            error = $"'{property}' is not valid text.";
            return false;
        }
    }
}

/// <summary>The answer on <c>provisioning/{deviceId}/response</c>; it never carries a secret.</summary>
public static class ProvisioningResponse
{
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";

    public static byte[] AcceptedPayload(string deviceId, string? clientToken) => Write(writer =>
    {
        writer.WriteString("status", Accepted);
        writer.WriteString("deviceId", deviceId);
        WriteToken(writer, clientToken);
    });

    public static byte[] RejectedPayload(int code, string message, string? clientToken) => Write(writer =>
    {
        writer.WriteString("status", Rejected);
        writer.WriteNumber("code", code);
        writer.WriteString("message", message);
        WriteToken(writer, clientToken);
    });

    private static void WriteToken(Utf8JsonWriter writer, string? clientToken)
    {
        if (clientToken is null)
        {
            writer.WriteNull("clientToken");
        }
        else
        {
            writer.WriteString("clientToken", clientToken);
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Reads an answer (device side): status, code (200 when accepted) and message.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out string status, out int code, out string? message, out string? clientToken)
    {
        status = "";
        code = 0;
        message = null;
        clientToken = null;
        try
        {
            using var document = JsonDocument.Parse(payload.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("status", out var statusElement)
                || statusElement.ValueKind != JsonValueKind.String)
            {
                return false;
            }

            status = statusElement.GetString()!;
            code = status == Accepted ? 200
                : root.TryGetProperty("code", out var codeElement) && codeElement.TryGetInt32(out var value) ? value : 0;
            message = root.TryGetProperty("message", out var messageElement) && messageElement.ValueKind == JsonValueKind.String
                ? messageElement.GetString()
                : null;
            clientToken = root.TryGetProperty("clientToken", out var tokenElement) && tokenElement.ValueKind == JsonValueKind.String
                ? tokenElement.GetString()
                : null;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
