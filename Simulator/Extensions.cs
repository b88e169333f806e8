using IotAspire.Simulator.Api;
using IotAspire.Simulator.Provisioning;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace IotAspire.Simulator;

public static class Extensions
{
    public static IHostApplicationBuilder AddSimulator(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SimulatorOptions>()
            .BindConfiguration(SimulatorOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The default resilience handler (ServiceDefaults) retries briefly; the client adds its own patient loop on top.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHttpClient(ServiceTokens.TokenClientName);
        builder.Services.AddSingleton<ServiceTokens>();
        builder.Services.AddTransient<ServiceTokenHandler>();
        builder.Services.AddHttpClient<DeviceRegistrationClient>((services, http) =>
                http.BaseAddress = services.GetRequiredService<IOptions<SimulatorOptions>>().Value.ApiBaseAddress)
            .AddHttpMessageHandler<ServiceTokenHandler>();

        builder.Services.AddSingleton<FleetClaimProvisioner>();
        builder.Services.AddSingleton<SimulatorDiagnostics>();
        builder.Services.AddHostedService<SimulatorWorker>();
        return builder;
    }
}
