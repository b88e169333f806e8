using IotAspire.Dashboard.Extensions;

// A Blazor Web App (interactive server) that uses the Api as any client app would: REST with the signed-in user's
// token and the SignalR hub for live events; never the databases.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddDashboard();

var app = builder.Build();
app.UseDashboard();
app.MapDefaultEndpoints();
app.MapDashboard();
app.Run();
