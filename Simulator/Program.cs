using IotAspire.Simulator;

var builder = Host.CreateApplicationBuilder(args);

builder.AddServiceDefaults();
builder.AddSimulator();

builder.Build().Run();
