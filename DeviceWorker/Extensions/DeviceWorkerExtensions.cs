using IotAspire.Core.Data;
using IotAspire.Core;
using IotAspire.Core.Devices;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Core.Shadows;
using IotAspire.Core.Telemetry.Maintenance;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Events;
using IotAspire.DeviceWorker.Messaging;
using IotAspire.DeviceWorker.Mqtt;
using IotAspire.DeviceWorker.Presence;
using IotAspire.DeviceWorker.Provisioning;
using IotAspire.DeviceWorker.RateLimiting;
using IotAspire.DeviceWorker.Shadows;
using IotAspire.DeviceWorker.Telemetry;
using IotAspire.Realtime;

namespace Microsoft.Extensions.Hosting;

public static class DeviceWorkerExtensions
{
    /// <summary>Everything the worker runs: storage clients, the MQTT consumer, and the message handlers.</summary>
    public static IHostApplicationBuilder AddDeviceWorker(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.Database);
        builder.AddRedisClient(ResourceNames.Redis, configureOptions: RedisClientOptions.Apply);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerDiagnostics>();
        builder.Services.AddSingleton<ProcessingHealth>();
        builder.Services.AddHealthChecks().AddCheck<ProcessingHealthCheck>("processing", tags: ["ready"]);
        builder.Services.AddSingleton<IDeadLetterSink, PostgresDeadLetterSink>();
        builder.AddDeviceEvents(); // Sends to the hub's groups through the Redis backplane; the Api replicas deliver.

        // The writer is registered before the consumer so that it stops after it: hosted services stop in
        // reverse order, and in-flight messages need the writer during the consumer's shutdown grace period.
        builder.AddTelemetryIngest();
        builder.AddDeviceShadows();
        builder.AddPresence();
        builder.AddFleetProvisioning();
        builder.AddMqttConsumer();

        // Handlers for further topics take one line each, for example:
        // builder.Services.AddMessageHandler<AlarmHandler>("devices/+/alarms");
        return builder;
    }

    public static IHostApplicationBuilder AddTelemetryIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>()
            .Bind(builder.Configuration.GetSection(TelemetryOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DeviceDirectory>();
        builder.Services.AddSingleton<MetricDirectory>();
        builder.Services.AddSingleton<PartitionDirectory>();
        builder.Services.AddSingleton<KnownSeries>();
        builder.Services.AddSingleton<TelemetryWriter>();
        // Before the writer, so that it stops after it (hosted services stop in reverse order).
        builder.Services.AddSingleton<TelemetryEventRelay>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TelemetryEventRelay>());
        builder.Services.AddSingleton<TelemetryCommitQueue>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TelemetryCommitQueue>());
        builder.Services.AddMessageHandler<TelemetryMessageHandler>(DeviceTopics.TelemetryFilter);

        builder.Services.AddOptions<RetentionOptions>()
            .Bind(builder.Configuration.GetSection(RetentionOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<TelemetryMaintenanceService>();

        builder.Services.AddOptions<RollupOptions>()
            .Bind(builder.Configuration.GetSection(RollupOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<RollupJob>();
        builder.Services.AddHostedService<RollupService>();
        return builder;
    }

    /// <summary>The device side of shadows: shadow/update and shadow/get, answered over the consumer's connection.</summary>
    public static IHostApplicationBuilder AddDeviceShadows(this IHostApplicationBuilder builder)
    {
        builder.Services.AddShadowNotifications();
        builder.Services.AddMessageHandler<ShadowUpdateHandler>(ShadowTopics.UpdateFilter);
        builder.Services.AddMessageHandler<ShadowGetHandler>(ShadowTopics.GetFilter);
        return builder;
    }

    /// <summary>Presence from the devices' retained status and Last Will: Redis (live) and PostgreSQL (history).</summary>
    public static IHostApplicationBuilder AddPresence(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RedisPresenceStore>();
        builder.Services.AddSingleton<DeviceConnectionLog>();
        builder.Services.AddMessageHandler<StatusMessageHandler>(DeviceTopics.StatusFilter);
        return builder;
    }

    /// <summary>
    /// Devices holding the fleet claim ask for their own account on provisioning/{id}/request. Registering needs the
    /// broker's dynamic-security admin account (section MqttAdmin), like the Api's device registration.
    /// </summary>
    public static IHostApplicationBuilder AddFleetProvisioning(this IHostApplicationBuilder builder)
    {
        builder.AddBrokerAccounts();
        builder.Services.AddOptions<ProvisioningOptions>()
            .Bind(builder.Configuration.GetSection(ProvisioningOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ProvisioningLimiter>();
        builder.Services.AddSingleton<DeviceRegistrar>();
        builder.Services.AddMessageHandler<ProvisioningRequestHandler>(ProvisioningTopics.RequestFilter);
        return builder;
    }

    public static IHostApplicationBuilder AddMqttConsumer(this IHostApplicationBuilder builder)
    {
        builder.AddMqttServiceOptions(defaults =>
        {
            // The broker keeps what is not acknowledged for this client id: the same one across restarts, a day's session.
            defaults.ClientId = "deviceworker-" + Environment.MachineName;
            defaults.SessionExpirySeconds = 86_400;
        });
        builder.Services.AddOptions<MqttConsumerOptions>()
            .BindConfiguration(MqttConsumerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MqttDevicePublisher>();
        builder.Services.AddSingleton<IMqttPublisher>(sp => sp.GetRequiredService<MqttDevicePublisher>());
        builder.Services.AddOptions<DeviceRateLimitOptions>()
            .Bind(builder.Configuration.GetSection(DeviceRateLimitOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DeviceRateLimiter>();
        builder.Services.AddSingleton<MessageDispatcher>();
        builder.Services.AddSingleton<MqttConsumer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MqttConsumer>());
        builder.Services.AddHealthChecks().AddMqttConnectionCheck(sp => sp.GetRequiredService<MqttConsumer>().Connection, "ready");
        return builder;
    }
}
