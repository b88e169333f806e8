using IotAspire.Core.Mqtt;
using IotAspire.Core;

namespace IotAspire.AppHost.Infrastructure;

public static class InfrastructureExtensions
{
    /// <summary>PostgreSQL, Redis and Mosquitto in the mode Infra:Mode asks for.</summary>
    public static InfraResources AddInfrastructure(this IDistributedApplicationBuilder builder, BrokerSecrets broker)
    {
        var mode = InfraModeResolver.Resolve(builder);
        return mode == InfraMode.Containers
            ? ContainerInfrastructure.Add(builder, broker)
            : ExecutableInfrastructure.Add(builder, broker);
    }

    public static BrokerSecrets AddBrokerSecrets(this IDistributedApplicationBuilder builder) => new(
        builder.AddParameter("mqtt-admin-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true),
        builder.AddParameter("mqtt-worker-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true));

    /// <summary>The Api's broker account (shadow messages and commands to devices, command answers back).</summary>
    public static IResourceBuilder<ParameterResource> AddApiBrokerPassword(this IDistributedApplicationBuilder builder) =>
        builder.AddParameter("mqtt-api-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

    /// <summary>
    /// What AppHost/infra/mosquitto.sh needs in either mode besides ports and folders: the dynamic-security admin, the
    /// start gate's opener and exempt accounts. Then restart on exit and the real MQTT probe.
    /// </summary>
    internal static IResourceBuilder<T> WithBrokerAccounts<T>(this IResourceBuilder<T> mqtt, BrokerSecrets broker)
        where T : IResourceWithEnvironment, IResourceWithConnectionString
    {
        mqtt.WithEnvironment("MQTT_ADMIN_USER", ServiceAccounts.AdminUsername)
            .WithEnvironment("MQTT_ADMIN_PASSWORD", broker.AdminPassword)
            .WithEnvironment("MQTT_GATE_OPENER", ServiceAccounts.WorkerUsername)
            .WithEnvironment("MQTT_GATE_EXEMPT", string.Join(',', ServiceAccounts.GateExempt))
            .WithRestartOnExit();
        return mqtt.WithProbe(ct => Probes.MqttAsync(mqtt.Resource.ConnectionStringExpression, broker.AdminPassword, ct));
    }

    public static IResourceBuilder<T> WithDatabase<T>(this IResourceBuilder<T> service, InfraResources infra)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        service.WithReference(infra.Database).WaitFor(infra.DatabaseServer);

    public static IResourceBuilder<T> WithRedis<T>(this IResourceBuilder<T> service, InfraResources infra)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        service.WithReference(infra.Redis).WaitFor(infra.Redis);

    public static IResourceBuilder<T> WithBroker<T>(this IResourceBuilder<T> service, InfraResources infra)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport =>
        service.WithReference(infra.Mqtt).WaitFor(infra.Mqtt);

    /// <summary>The dynamic-security admin account: only the Api (device registration) and the setup run need it.</summary>
    public static IResourceBuilder<T> WithBrokerAdmin<T>(this IResourceBuilder<T> service, BrokerSecrets broker)
        where T : IResourceWithEnvironment =>
        service.WithEnvironment("MqttAdmin__Username", ServiceAccounts.AdminUsername)
            .WithEnvironment("MqttAdmin__Password", broker.AdminPassword);
}
