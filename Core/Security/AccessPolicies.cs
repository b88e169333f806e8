namespace IotAspire.Core.Security;

/// <summary>Names of the authorization policies, shared by the Api's endpoints and the devices hub.</summary>
public static class AccessPolicies
{
    /// <summary>Read devices, telemetry, shadows; subscribe to live events.</summary>
    public const string Viewer = "viewer";

    /// <summary>Also change desired state and send commands.</summary>
    public const string Operator = "operator";

    /// <summary>Also register, revoke and re-issue credentials of devices, and manage the fleet claim.</summary>
    public const string Admin = "admin";
}
