using Microsoft.Extensions.DependencyInjection;
using System.Net.Sockets;
using System.Text;
using IotAspire.Core.Mqtt;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MQTTnet;
using Npgsql;

namespace IotAspire.AppHost.Infrastructure;

/// <summary>Real readiness probes: a server counts as up when it answers its own protocol, not when its port opens.</summary>
internal static class Probes
{
    public static IResourceBuilder<T> WithProbe<T>(this IResourceBuilder<T> resource, Func<CancellationToken, Task> probe)
        where T : IResource
    {
        var key = $"{resource.Resource.Name}-ready";
        resource.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key, _ => new ProbeHealthCheck(probe), failureStatus: HealthStatus.Unhealthy, tags: null));
        return resource.WithHealthCheck(key);
    }

    public static async Task PostgresAsync(ReferenceExpression serverConnectionString, CancellationToken cancellationToken)
    {
        var connectionString = await serverConnectionString.GetValueAsync(cancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public static async Task RedisAsync(string host, int port, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(host, port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        var answer = Encoding.ASCII.GetString(buffer, 0, read);
        if (!answer.StartsWith("+PONG", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Redis answered '{answer.Trim()}' to PING.");
        }
    }

    /// <summary>Logs in as the dynamic-security admin: proves the broker is up and its security plugin is loaded.</summary>
    public static async Task MqttAsync(ReferenceExpression connectionString, IResourceBuilder<ParameterResource> adminPassword, CancellationToken cancellationToken)
    {
        var address = MqttBrokerAddress.Parse(await connectionString.GetValueAsync(cancellationToken));
        var password = await adminPassword.Resource.GetValueAsync(cancellationToken);
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(address.Host, address.Port)
            .WithCredentials(ServiceAccounts.AdminUsername, password)
            .WithClientId("apphost-probe-" + Guid.NewGuid().ToString("N"))
            .WithTimeout(TimeSpan.FromSeconds(3))
            .Build();
        var result = await client.ConnectAsync(options, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker refused the admin login: {result.ResultCode}.");
        }

        await client.DisconnectAsync(cancellationToken: cancellationToken);
    }

    private sealed class ProbeHealthCheck(Func<CancellationToken, Task> probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await probe(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Not ready yet is the normal state during start-up; the dashboard shows the reason.
                return HealthCheckResult.Unhealthy(exception.Message, exception);
            }
        }
    }
}
