using System.Text.Json;
using System.Text.Json.Nodes;

namespace IotAspire.Simulator.Devices;

/// <summary>What the device must do after answering a command.</summary>
public enum CommandAction
{
    None,

    /// <summary>The interval changed: report it and re-plan the send loop.</summary>
    ReportInterval,

    /// <summary>Disconnect cleanly and come back after a pause.</summary>
    Reboot,
}

/// <summary>The answer published on commands/response/{requestId}: <c>{"status":…,"payload":…}</c>, and what to do next.</summary>
public sealed record CommandAnswer(int Status, JsonObject Payload, CommandAction Action)
{
    public byte[] ToResponse() =>
        JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["status"] = Status, ["payload"] = Payload.DeepClone() });
}

/// <summary>The direct methods a simulated device understands: ping, setInterval, reboot. Pure apart from the settings it changes.</summary>
public static class DeviceCommands
{
    public const string Ping = "ping";
    public const string SetInterval = "setInterval";
    public const string Reboot = "reboot";

    public static CommandAnswer Answer(string name, ReadOnlySpan<byte> payload, DeviceSettings settings, DateTimeOffset now) => name switch
    {
        Ping => new CommandAnswer(200, new JsonObject { ["pong"] = now.ToUnixTimeMilliseconds() }, CommandAction.None),
        SetInterval => AnswerSetInterval(payload, settings),
        Reboot => new CommandAnswer(200, new JsonObject { ["rebooting"] = true }, CommandAction.Reboot),
        _ => Error(404, "unknown command"),
    };

    private static CommandAnswer AnswerSetInterval(ReadOnlySpan<byte> payload, DeviceSettings settings)
    {
        JsonNode? request;
        try
        {
            request = payload.IsEmpty ? null : JsonNode.Parse(payload);
        }
        catch (JsonException)
        {
            return Error(400, "payload must be JSON: {\"seconds\":n}");
        }

        if (request is not JsonObject body || !DeviceSettings.TryReadInterval(body["seconds"], out var seconds))
        {
            return Error(400, $"seconds must be an integer from {DeviceSettings.MinIntervalSeconds} to {DeviceSettings.MaxIntervalSeconds}");
        }

        settings.SetInterval(seconds);
        return new CommandAnswer(200, new JsonObject { ["interval"] = seconds }, CommandAction.ReportInterval);
    }

    private static CommandAnswer Error(int status, string message) =>
        new(status, new JsonObject { ["error"] = message }, CommandAction.None);
}
