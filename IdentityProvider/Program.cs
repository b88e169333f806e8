using IotAspire.IdentityProvider.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddIdentityProvider();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapIdentityProvider();

app.Run();
