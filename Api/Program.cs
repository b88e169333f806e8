using IotAspire.Api.Apis;
using IotAspire.Api.Extensions;
using IotAspire.Api.Infrastructure;
using IotAspire.Realtime;
using IotAspire.Api.Security;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddApiSecurity();

var app = builder.Build();

app.UseRefuseWhileStopping();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseApiSecurity();
app.UseDatabaseReadRetry();

app.MapDefaultEndpoints();
app.MapApiDocuments();

var api = app.MapGroup("/api");
api.MapDevicesApi();
api.MapDeviceRevocationApi();
api.MapTelemetryApi();
api.MapShadowApi();
api.MapCommandsApi();
api.MapFleetClaimApi().RequirePolicy(ApiRoles.AdminPolicy);
api.MapArchiveApi().RequirePolicy(ApiRoles.AdminPolicy);
app.MapHub<DevicesHub>(DevicesHub.Path, options => options.CloseOnAuthenticationExpiration = true)
    .RequireAuthorization(ApiRoles.ViewerPolicy);

app.Run();
