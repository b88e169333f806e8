using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IotAspire.Api.Mqtt;

/// <summary>Unhealthy while the Api is not connected and subscribed to command responses.</summary>
public sealed class MqttConnectionHealthCheck(ApiMqttConnection connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(connection.Problem is not { } problem
            ? HealthCheckResult.Healthy("connected to the MQTT broker")
            : HealthCheckResult.Unhealthy($"MQTT broker: {problem}"));
}
