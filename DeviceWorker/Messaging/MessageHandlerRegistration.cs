namespace IotAspire.DeviceWorker.Messaging;

/// <summary>One handler type for one MQTT topic filter; the worker subscribes to each filter (shared).</summary>
public sealed record MessageHandlerRegistration(string TopicFilter, Type HandlerType);
