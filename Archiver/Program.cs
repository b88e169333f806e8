using IotAspire.Archiver.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddArchiver();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
