using IotAspire.Core;
using IotAspire.Core.Protocol;
using IotAspire.Core.Telemetry.Maintenance;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;
using IotAspire.DeviceWorker.Mqtt;
using IotAspire.DeviceWorker.Telemetry;

namespace Microsoft.Extensions.Hosting;

public static class DeviceWorkerExtensions
{
    /// <summary>Everything the worker runs: storage clients, the MQTT consumer, and the message handlers.</summary>
    public static IHostApplicationBuilder AddDeviceWorker(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.Database);
        builder.AddRedisClient(ResourceNames.Redis);

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WorkerDiagnostics>();
        builder.Services.AddSingleton<IDeadLetterSink, PostgresDeadLetterSink>();

        // The writer is registered before the consumer so that it stops after it: hosted services stop in
        // reverse order, and in-flight messages need the writer during the consumer's shutdown grace period.
        builder.AddTelemetryIngest();
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
        builder.Services.AddSingleton<TelemetryStore>();
        builder.Services.AddSingleton<TelemetryBatchWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<TelemetryBatchWriter>());
        builder.Services.AddMessageHandler<TelemetryMessageHandler>(DeviceTopics.TelemetryFilter);

        builder.Services.AddOptions<RetentionOptions>()
            .Bind(builder.Configuration.GetSection(RetentionOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHostedService<TelemetryMaintenanceService>();
        return builder;
    }

    public static IHostApplicationBuilder AddMqttConsumer(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MqttOptions>()
            .Bind(builder.Configuration.GetSection(MqttOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<MqttConnectionState>();
        builder.Services.AddSingleton<MessageDispatcher>();
        builder.Services.AddHostedService<MqttConsumer>();
        builder.Services.AddHealthChecks().AddCheck<MqttConnectionHealthCheck>("mqtt", tags: ["ready"]);
        return builder;
    }
}
