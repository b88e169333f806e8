namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>Whether the consumer is connected and subscribed; read by the health check.</summary>
public sealed class MqttConnectionState
{
    private volatile string? _problem = "not connected yet";

    public bool IsConnected => _problem is null;

    public string? Problem => _problem;

    public void SetConnected() => _problem = null;

    public void SetDisconnected(string problem) => _problem = problem;
}
