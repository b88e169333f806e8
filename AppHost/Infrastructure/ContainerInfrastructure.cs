namespace IotAspire.AppHost.Infrastructure;

/// <summary>
/// Containers mode (and every publish): the Aspire PostgreSQL and Redis resources and an eclipse-mosquitto:2
/// container that runs the same start script as the executables mode.
/// </summary>
public static class ContainerInfrastructure
{
    /// <summary>
    /// Shadows and presence must survive a restart: switch the Redis container from snapshots to the
    /// append-only file, as the executables mode runs it. Aspire passes the command as "sh -c '...'".
    /// </summary>
    private static void AppendOnlyFile(CommandLineArgsCallbackContext context)
    {
        var last = context.Args.Count - 1;
        if (last >= 0 && context.Args[last] is string command && command.StartsWith("redis-server", StringComparison.Ordinal))
        {
            context.Args[last] = command + " --appendonly yes --appendfsync everysec";
        }
    }

    public static InfraResources Add(IDistributedApplicationBuilder builder, BrokerSecrets broker)
    {
        var postgres = builder.AddPostgres("postgres")
            .WithDataVolume()
            .WithLifetime(ContainerLifetime.Session)
            .WithRestartOnExit();
        var database = postgres.AddDatabase(Core.ResourceNames.Database);

        var redis = builder.AddRedis(Core.ResourceNames.Redis)
            .WithDataVolume()
            .WithArgs(AppendOnlyFile)
            .WithRestartOnExit();

        var mqttPort = Ports.FromConfiguration(builder.Configuration, "Infra:Ports:Mqtt", 1883);
        var mqttTlsPort = Ports.FromConfiguration(builder.Configuration, "Infra:Ports:MqttTls", 8883);
        var mqtt = builder.AddResource(new MosquittoContainerResource(Core.ResourceNames.Mqtt))
            .WithImage("eclipse-mosquitto", "2")
            .WithImageRegistry("docker.io")
            .WithEndpoint(port: mqttPort, targetPort: 1883, scheme: "tcp", name: MosquittoContainerResource.EndpointName)
            .WithEndpoint(port: mqttTlsPort, targetPort: 8883, scheme: "tcp", name: DeviceTls.EndpointName)
            .WithBindMount(Path.Combine(builder.AppHostDirectory, "infra"), "/iotaspire", isReadOnly: true)
            .WithVolume("iotaspire-mosquitto-data", "/mosquitto/data")
            .WithBindMount(DeviceTls.Prepare(builder), "/mosquitto/certs", isReadOnly: true)
            .WithEntrypoint("/bin/sh")
            .WithArgs("/iotaspire/mosquitto.sh")
            .WithEnvironment("MQTT_PORT", "1883")
            .WithEnvironment("MQTT_DATA_DIR", "/mosquitto/data")
            .WithEnvironment("MQTT_TLS_PORT", "8883")
            .WithEnvironment("MQTT_TLS_DIR", "/mosquitto/certs")
            .WithBrokerAccounts(broker);

        return new InfraResources(
            builder.CreateResourceBuilder<IResourceWithConnectionString>(database.Resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(redis.Resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(mqtt.Resource),
            builder.CreateResourceBuilder<IResource>(postgres.Resource),
            // PostgreSQL keeps its data in a volume across runs, so the archive that matches it is kept too.
            builder.ExecutionContext.IsPublishMode ? null : DataRoot.Shared(builder.Configuration));
    }
}
