using IotAspire.Api.Apis;
using IotAspire.Api.Extensions;
using IotAspire.Api.Realtime;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();

app.MapDefaultEndpoints();
app.MapApiDocuments();

var api = app.MapGroup("/api");
api.MapDevicesApi();
api.MapTelemetryApi();
api.MapShadowApi();
api.MapCommandsApi();
app.MapHub<DevicesHub>(DevicesHub.Path);

app.Run();
