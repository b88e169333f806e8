namespace IotAspire.Api.Mqtt;

/// <summary>The broker could not be reached or refused a publish; the exception handler answers 503.</summary>
public sealed class MqttUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
