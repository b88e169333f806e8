using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.Core.Protocol;

/// <summary>
/// The broker's start gate (plugin AppHost/infra/plugin/iotaspire.c): after a broker start only the service accounts
/// may connect (others see their connection closed, as if the broker were still starting), until the worker, subscribed
/// again, publishes <see cref="OpenPayload"/> here. Mosquitto 2.0 does not
/// restore shared subscriptions from its persistence file, so a device message accepted before that would be lost.
/// </summary>
public static class BrokerGate
{
    public const string Topic = "$CONTROL/iotaspire/gate/v1";
    public const string OpenPayload = "open";

    /// <summary>What the worker publishes, once subscribed, to let devices in.</summary>
    public static MqttApplicationMessage OpenMessage() => new MqttApplicationMessageBuilder()
        .WithTopic(Topic)
        .WithPayload(OpenPayload)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build();
}
