namespace IotAspire.AppHost.Infrastructure;

/// <summary>A server run from the OS's packages (executables mode) that other resources reference by connection string.</summary>
public sealed class LocalServerResource(string name, string command, string workingDirectory, ReferenceExpression connectionString)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public ReferenceExpression ConnectionStringExpression { get; } = connectionString;
}

/// <summary>The Mosquitto container (containers mode); its connection string is the broker address.</summary>
public sealed class MosquittoContainerResource(string name) : ContainerResource(name), IResourceWithConnectionString
{
    public const string EndpointName = "mqtt";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"mqtt://{Endpoint.Property(EndpointProperty.HostAndPort)}");
}
