using IotAspire.Dashboard.Components;

// Placeholder until the dashboard issue: a Blazor Web App that will use the Api as a user would.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddRazorComponents();

var app = builder.Build();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapRazorComponents<App>();
app.MapDefaultEndpoints();
app.Run();
