using IotAspire.Archiver;

// Placeholder until the archiver issue: exports closed telemetry windows to Parquet.
var builder = WebApplication.CreateBuilder(args);
builder.AddBasicServiceDefaults();
builder.Services.AddHostedService<ArchiverService>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
