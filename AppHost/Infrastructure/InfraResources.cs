namespace IotAspire.AppHost.Infrastructure;

/// <summary>
/// What the services need from the infrastructure, the same in both modes: the three connection strings
/// (named as the services ask for them) and the servers to wait for. <c>DataFolder</c> is the local folder this run keeps
/// its data in (the Archiver's parts go under it); null when publishing, where the deployment chooses storage.
/// </summary>
public sealed record InfraResources(
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> Mqtt,
    IResourceBuilder<IResource> DatabaseServer,
    string? DataFolder = null);

/// <summary>The passwords of the broker's accounts (names in Core's ServiceAccounts), shared by both modes.</summary>
public sealed record BrokerSecrets(
    IResourceBuilder<ParameterResource> AdminPassword,
    IResourceBuilder<ParameterResource> WorkerPassword);
