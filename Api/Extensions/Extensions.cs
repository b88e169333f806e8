using IotAspire.Core.Data;
using IotAspire.Api.Commands;
using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using IotAspire.Api.Mqtt;
using IotAspire.Api.Presence;
using IotAspire.Core;
using IotAspire.Core.Devices;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Shadows;
using IotAspire.Realtime;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace IotAspire.Api.Extensions;

public static class Extensions
{
    /// <summary>The Retry-After of every 503: a restarted broker, database or Redis is usually back within this.</summary>
    private const string RetryAfterSeconds = "2";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        // Telemetry queries read rollups through iot_minutes/iot_hours, which the planner inlines into plans over every
        // partition of the range: ~9 ms to plan, ~2.5 ms to run. Prepared, the plan is made once per connection.
        builder.AddNpgsqlDataSource(ResourceNames.Database, configureDataSourceBuilder: dataSource =>
            dataSource.ConnectionStringBuilder.MaxAutoPrepare = 64);
        builder.AddRedisClient(ResourceNames.Redis, configureOptions: RedisClientOptions.Apply);
        builder.AddBrokerAccounts();
        builder.AddDeviceMessaging();
        builder.AddRealtime();

        builder.Services.AddOptions<MqttPublicOptions>()
            .BindConfiguration(MqttPublicOptions.Section)
            .ValidateDataAnnotations()
            .Validate<IConfiguration>(
                (options, configuration) => MqttPublicEndpoint.TryResolve(options, configuration.GetConnectionString(ResourceNames.Mqtt), out _),
                $"Set ConnectionStrings:{ResourceNames.Mqtt} (mqtt://host:port) or both Devices:MqttPublicHost and Devices:MqttPublicPort.")
            .ValidateOnStart();
        builder.Services.AddSingleton(services => MqttPublicEndpoint.Resolve(
            services.GetRequiredService<IOptions<MqttPublicOptions>>().Value,
            services.GetRequiredService<IConfiguration>().GetConnectionString(ResourceNames.Mqtt)));

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiDiagnostics>();
        builder.Services.AddSingleton<DeviceStore>();
        builder.Services.AddSingleton<DeviceRegistrar>(); // Shared with the worker's fleet provisioning.
        builder.Services.AddSingleton<TelemetryReader>();
        builder.Services.AddOptions<ArchiveReadOptions>()
            .BindConfiguration(ArchiveReadOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ArchiveStore>();

        builder.Services.AddValidation();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Every 503 says when to come back: the backing services it stands for return within seconds.
            if (context.ProblemDetails.Status == StatusCodes.Status503ServiceUnavailable
                && !context.HttpContext.Response.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.RetryAfter))
            {
                context.HttpContext.Response.Headers.RetryAfter = RetryAfterSeconds;
            }
        });
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        // Binding failures (malformed JSON, a bad date) become exceptions, so the handler can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new TelemetryValueJsonConverter()));
        builder.Services.AddOpenApi(options => options.AddSchemaTransformer<TelemetrySchemaTransformer>());
        return builder;
    }

    /// <summary>The Api's MQTT connection (shadow messages, commands and their answers), shadows and presence.</summary>
    private static void AddDeviceMessaging(this IHostApplicationBuilder builder)
    {
        builder.AddMqttServiceOptions(defaults =>
        {
            // Each replica adds a random suffix, so replicas never take each other's session. The session is kept across
            // a reconnect (a command answer that arrives meanwhile waits in it), briefly: a replica gone for good must not
            // collect answers long.
            defaults.ClientId = "api";
            defaults.SessionExpirySeconds = 300;
        });
        builder.Services.AddSingleton<PendingCommands>();
        builder.Services.AddSingleton<ApiMqttConnection>();
        builder.Services.AddSingleton<IMqttPublisher>(services => services.GetRequiredService<ApiMqttConnection>());
        builder.Services.AddHostedService(services => services.GetRequiredService<ApiMqttConnection>());
        builder.Services.AddHealthChecks().AddMqttConnectionCheck(services => services.GetRequiredService<ApiMqttConnection>().Connection);

        builder.Services.AddShadowNotifications();
        builder.Services.AddSingleton<PresenceReader>();
    }

    /// <summary>
    /// The devices hub with its Redis backplane (any number of replicas). The worker sends its events straight to the
    /// hub's groups through the same backplane; the Api sends the shadow changes it makes itself.
    /// </summary>
    private static void AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.AddDeviceEvents();
        builder.Services.AddSingleton<IRegisteredDevices>(services => services.GetRequiredService<DeviceStore>());
    }

    /// <summary>The OpenAPI document at /openapi/v1.json and the Scalar UI at /scalar.</summary>
    public static WebApplication MapApiDocuments(this WebApplication app)
    {
        // Public on purpose: the document describes the API, it holds no data; every operation needs a token.
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference().AllowAnonymous();
        return app;
    }
}
