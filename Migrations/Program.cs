using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Migrations;

// One-shot: brings the database schema and the broker's service accounts up to date, then exits.
// The AppHost starts the services only after this has completed successfully.
var builder = Host.CreateApplicationBuilder(args);
builder.AddBasicServiceDefaults();
builder.AddNpgsqlDataSource(ResourceNames.Database);
builder.AddBrokerAccounts();
builder.Services.AddOptions<WorkerAccountOptions>()
    .Bind(builder.Configuration.GetSection(WorkerAccountOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddOptions<ApiAccountOptions>()
    .Bind(builder.Configuration.GetSection(ApiAccountOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddOptions<FleetClaimAccountOptions>()
    .Bind(builder.Configuration.GetSection(FleetClaimAccountOptions.Section))
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddHostedService<SetupRunner>();

builder.Build().Run();
