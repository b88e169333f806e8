using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IotAspire.Core.Mqtt;

public static class BrokerAccountsExtensions
{
    /// <summary>Registers <see cref="IBrokerAccounts"/> (dynamic security) with the admin account from section MqttAdmin.</summary>
    public static IHostApplicationBuilder AddBrokerAccounts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MqttAdminOptions>()
            .Bind(builder.Configuration.GetSection(MqttAdminOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(_ => MqttBrokerAddress.Parse(builder.Configuration.GetConnectionString(ResourceNames.Mqtt)));
        builder.Services.AddSingleton<DynamicSecurityClient>();
        builder.Services.AddSingleton<IBrokerAccounts>(sp => sp.GetRequiredService<DynamicSecurityClient>());
        return builder;
    }
}
