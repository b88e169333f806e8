namespace IotAspire.DeviceWorker.Messaging;

/// <summary>A handler registration with the MQTT 5 subscription identifier the worker subscribes its filter with.</summary>
public sealed record MessageSubscription(uint Identifier, MessageHandlerRegistration Registration)
{
    public string TopicFilter => Registration.TopicFilter;
}
