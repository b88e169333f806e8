namespace IotAspire.Core;

/// <summary>
/// One name everywhere: the Aspire resource name is the connection name a service asks for.
/// </summary>
public static class ResourceNames
{
    public const string Database = "iotdb";
    public const string Redis = "redis";
    public const string Mqtt = "mqtt";
    public const string Migrations = "migrations";
    /// <summary>The Api's replicas are resources api-1 .. api-N (Api:Replicas), each on a port of its own behind the gateway.</summary>
    public const string Api = "api";

    public static string ApiReplica(int number) => $"{Api}-{number}";
    public const string DeviceWorker = "deviceworker";
    public const string Archiver = "archiver";
    public const string Dashboard = "dashboard";
    public const string Simulator = "simulator";

    /// <summary>The one public HTTP endpoint (port 5080): a reverse proxy over the Api replicas, with hub affinity.</summary>
    public const string Gateway = "gateway";

    /// <summary>The OpenID Connect provider: Keycloak (containers) or the local IdentityProvider project (executables).</summary>
    public const string Identity = "identity";
}
