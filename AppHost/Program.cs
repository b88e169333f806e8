using IotAspire.AppHost;
using IotAspire.AppHost.Infrastructure;

var builder = DistributedApplication.CreateBuilder(args);

var broker = builder.AddBrokerSecrets();
var infra = builder.AddInfrastructure(broker);
builder.AddIotServices(infra, broker);
builder.AddResourceSupervisor();
builder.AddManifestDeploymentHints();

builder.Build().Run();
