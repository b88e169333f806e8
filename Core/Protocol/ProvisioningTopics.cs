namespace IotAspire.Core.Protocol;

/// <summary>
/// Fleet provisioning by claim: a device holding the shared claim credential asks for its own account on
/// <c>provisioning/{deviceId}/request</c> and gets the answer on <c>provisioning/{deviceId}/response</c>.
/// </summary>
public static class ProvisioningTopics
{
    public const string Root = "provisioning";
    public const string RequestFilter = "provisioning/+/request";
    public const string ResponseFilter = "provisioning/+/response";

    public static string Request(string deviceId) => $"{Root}/{deviceId}/request";
    public static string Response(string deviceId) => $"{Root}/{deviceId}/response";

    /// <summary>
    /// The second level of a request topic, as sent (not validated: the answer goes back to that same level),
    /// or null when the topic is not <c>provisioning/{segment}/request</c>.
    /// </summary>
    public static string? SegmentOf(string topic)
    {
        var parts = topic.Split('/');
        return parts is [Root, var segment, "request"] ? segment : null;
    }
}
