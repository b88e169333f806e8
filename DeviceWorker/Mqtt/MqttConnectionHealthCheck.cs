using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>Unhealthy while the worker is not connected and subscribed to the broker.</summary>
public sealed class MqttConnectionHealthCheck(MqttConnectionState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsConnected
            ? HealthCheckResult.Healthy("connected to the MQTT broker")
            : HealthCheckResult.Unhealthy($"MQTT broker: {state.Problem}"));
}
