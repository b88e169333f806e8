using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;

namespace IotAspire.Core.Mqtt;

/// <summary>Unhealthy while the service's <see cref="ResilientMqttClient"/> is not connected and subscribed.</summary>
public sealed class MqttConnectionHealthCheck(ResilientMqttClient connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(connection.Problem is not { } problem
            ? HealthCheckResult.Healthy("connected to the MQTT broker")
            : HealthCheckResult.Unhealthy($"MQTT broker: {problem}"));
}

public static class MqttConnectionHealthCheckExtensions
{
    /// <summary>Adds the check "mqtt" over the connection that <paramref name="connection"/> picks from the services.</summary>
    public static IHealthChecksBuilder AddMqttConnectionCheck(
        this IHealthChecksBuilder builder, Func<IServiceProvider, ResilientMqttClient> connection, params string[] tags) =>
        builder.Add(new HealthCheckRegistration("mqtt", services => new MqttConnectionHealthCheck(connection(services)), failureStatus: null, tags));
}
