using IotAspire.Dashboard.ApiClient;
using IotAspire.Dashboard.Auth;
using IotAspire.Dashboard.Charts;
using IotAspire.Dashboard.Components;
using IotAspire.Dashboard.Components.Pages.Devices;
using IotAspire.Dashboard.Live;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace IotAspire.Dashboard.Extensions;

public static class DashboardExtensions
{
    /// <summary>Commands wait up to 300 s for the device (the Api's limit); the client waits a little longer.</summary>
    private static readonly TimeSpan ApiTimeout = TimeSpan.FromSeconds(320);

    public static IHostApplicationBuilder AddDashboard(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>()
            .BindConfiguration(DashboardOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddDashboardAuthentication();

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddSingleton(TimeProvider.System);

        // The Api as the user. No retries: a command or a registration must not be sent twice, and the pages say
        // what failed instead; the Api's answer waits as long as a command may take.
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way to opt out.
        builder.Services.AddHttpClient<IDeviceApi, DeviceApiClient>(ConfigureApiClient)
            .RemoveAllResilienceHandlers();
        builder.Services.AddHttpClient(ChartDataEndpoints.HttpClientName, ConfigureApiClient)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton<ApiAddress>();
        builder.Services.AddScoped<ILiveConnectionFactory, LiveConnectionFactory>();
        builder.Services.AddScoped<CommandHistory>();
        return builder;
    }

    private static void ConfigureApiClient(IServiceProvider services, HttpClient http)
    {
        http.BaseAddress = services.GetRequiredService<IOptions<DashboardOptions>>().Value.ApiBaseAddress;
        http.Timeout = ApiTimeout;
    }

    public static WebApplication UseDashboard(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }

        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapDashboard(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapAuthenticationEndpoints();
        app.MapChartDataEndpoints();
        // Every page needs a signed-in user: without a session the browser goes to the provider's login page.
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization();
        return app;
    }
}
