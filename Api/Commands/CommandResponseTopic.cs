using IotAspire.Core.Protocol;

namespace IotAspire.Api.Commands;

/// <summary>Reads <c>devices/{id}/commands/response/{requestId}</c>.</summary>
public static class CommandResponseTopic
{
    public static bool TryParse(string topic, out string deviceId, out string requestId)
    {
        deviceId = requestId = "";
        var levels = topic.Split('/');
        if (levels is not [DeviceTopics.Root, var id, "commands", "response", var request]
            || !DeviceId.IsValid(id) || !CommandRules.IsValidRequestId(request))
        {
            return false;
        }

        deviceId = id;
        requestId = request;
        return true;
    }
}
