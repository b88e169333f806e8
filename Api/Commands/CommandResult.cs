using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IotAspire.Api.Commands;

/// <summary>The device's answer, <c>{"status":..,"payload":..}</c>, returned to the caller as is.</summary>
public sealed record CommandResult(int Status, JsonNode? Payload)
{
    /// <summary>Null when the device's answer is not an object with an integer status.</summary>
    public static CommandResult? TryParse(ReadOnlySequence<byte> payload)
    {
        JsonNode? root;
        try
        {
            var reader = new Utf8JsonReader(payload);
            root = JsonNode.Parse(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root is not JsonObject answer
            || answer["status"] is not JsonValue status
            || status.GetValueKind() != JsonValueKind.Number
            || !status.TryGetValue<int>(out var code))
        {
            return null;
        }

        return new CommandResult(code, answer["payload"]?.DeepClone());
    }
}
