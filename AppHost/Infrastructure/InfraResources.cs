namespace IotAspire.AppHost.Infrastructure;

/// <summary>
/// What the services need from the infrastructure, the same in both modes: the three connection strings
/// (named as the services ask for them) and the servers to wait for.
/// </summary>
public sealed record InfraResources(
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Mqtt,
    IResourceBuilder<IResource> DatabaseServer);

/// <summary>The passwords of the broker's accounts (names in Core's ServiceAccounts), shared by both modes.</summary>
public sealed record BrokerSecrets(
    IResourceBuilder<ParameterResource> AdminPassword,
    IResourceBuilder<ParameterResource> WorkerPassword);
