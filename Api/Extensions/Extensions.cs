using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace IotAspire.Api.Extensions;

public static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.Database);
        // Registered for the coming shadow and presence endpoints; nothing reads it yet.
        builder.AddRedisClient(ResourceNames.Redis);
        builder.AddBrokerAccounts();

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
        builder.Services.AddSingleton<DeviceStore>();
        builder.Services.AddSingleton<TelemetryStore>();

        builder.Services.AddValidation();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();
        // Binding failures (malformed JSON, a bad date) become exceptions, so the handler can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new TelemetryValueJsonConverter()));
        builder.Services.AddOpenApi(options => options.AddSchemaTransformer<TelemetrySchemaTransformer>());
        return builder;
    }

    /// <summary>The OpenAPI document at /openapi/v1.json and the Scalar UI at /scalar.</summary>
    public static WebApplication MapApiDocuments(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference();
        return app;
    }
}
