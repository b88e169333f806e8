var builder = WebApplication.CreateBuilder(args);

builder.AddBasicServiceDefaults();
builder.AddDeviceWorker();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
