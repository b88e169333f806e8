namespace IotAspire.AppHost.Infrastructure;

/// <summary>
/// Executables mode: PostgreSQL, Redis and Mosquitto from the OS's packages, for machines without a container
/// runtime (and CI). Data lives in a fresh folder per run unless Infra:DataRoot names one to keep.
/// </summary>
public static class ExecutableInfrastructure
{
    public static InfraResources Add(IDistributedApplicationBuilder builder, BrokerSecrets broker)
    {
        var dataRoot = DataRoot.Resolve(builder.Configuration);
        var infraScripts = Path.Combine(builder.AppHostDirectory, "infra");
        var pgPassword = builder.AddParameter("postgres-password", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

        var pgPort = Ports.FromConfiguration(builder.Configuration, "Infra:Ports:Postgres", 0);
        var postgres = builder.AddResource(new LocalServerResource("postgres", "bash", dataRoot,
                ReferenceExpression.Create($"Host=127.0.0.1;Port={pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture)};Username=postgres;Password={pgPassword}")))
            .WithArgs(Path.Combine(infraScripts, "postgres.sh"))
            .WithEnvironment("PG_PORT", pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("PG_DATA_DIR", Path.Combine(dataRoot, "postgres"))
            .WithEnvironment("PG_PASSWORD", pgPassword)
            .WithEndpoint(port: pgPort, targetPort: pgPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithRestartOnExit();
        postgres.WithProbe(ct => Probes.PostgresAsync(postgres.Resource.ConnectionStringExpression, ct));
        var database = builder.AddConnectionString(Core.ResourceNames.Database,
            ReferenceExpression.Create($"{postgres.Resource};Database={Core.ResourceNames.Database}"));

        var redisPort = Ports.FromConfiguration(builder.Configuration, "Infra:Ports:Redis", 0);
        var redisPortText = redisPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var redisData = Path.Combine(dataRoot, "redis");
        Directory.CreateDirectory(redisData);
        var redis = builder.AddResource(new LocalServerResource(Core.ResourceNames.Redis, "redis-server", redisData,
                ReferenceExpression.Create($"127.0.0.1:{redisPortText}")))
            .WithArgs("--port", redisPortText, "--bind", "127.0.0.1", "--dir", redisData,
                "--appendonly", "yes", "--appendfsync", "everysec", "--save", "")
            .WithEndpoint(port: redisPort, targetPort: redisPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithRestartOnExit()
            .WithProbe(ct => Probes.RedisAsync("127.0.0.1", redisPort, ct));

        var mqttPort = Ports.FromConfiguration(builder.Configuration, "Infra:Ports:Mqtt", 1883);
        var mqttPortText = mqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mqttTlsPort = Ports.FromConfiguration(builder.Configuration, "Infra:Ports:MqttTls", 8883);
        var mqtt = builder.AddResource(new LocalServerResource(Core.ResourceNames.Mqtt, "sh", dataRoot,
                ReferenceExpression.Create($"mqtt://127.0.0.1:{mqttPortText}")))
            .WithArgs(Path.Combine(infraScripts, "mosquitto.sh"))
            .WithEnvironment("MQTT_PORT", mqttPortText)
            .WithEnvironment("MQTT_DATA_DIR", Path.Combine(dataRoot, "mosquitto"))
            .WithEnvironment("MQTT_TLS_PORT", mqttTlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("MQTT_TLS_DIR", DeviceTls.Prepare(builder))
            .WithEndpoint(port: mqttPort, targetPort: mqttPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithEndpoint(port: mqttTlsPort, targetPort: mqttTlsPort, scheme: "tcp", name: DeviceTls.EndpointName, isProxied: false)
            .WithBrokerAccounts(broker);

        return new InfraResources(
            builder.CreateResourceBuilder<IResourceWithConnectionString>(database.Resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(redis.Resource),
            builder.CreateResourceBuilder<IResourceWithConnectionString>(mqtt.Resource),
            builder.CreateResourceBuilder<IResource>(postgres.Resource),
            dataRoot);
    }
}
