namespace IotAspire.Api.Security;

/// <summary>
/// The realm roles and the policies built on them. Each role includes the ones below it: an admin may do what an
/// operator may, an operator what a viewer may.
/// </summary>
public static class ApiRoles
{
    public const string Admin = "iot-admin";
    public const string Operator = "iot-operator";
    public const string Viewer = "iot-viewer";

    /// <summary>Read devices, telemetry, shadows; subscribe to live events.</summary>
    public const string ViewerPolicy = "viewer";

    /// <summary>Also change desired state and send commands.</summary>
    public const string OperatorPolicy = "operator";

    /// <summary>Also register, revoke and re-issue credentials of devices, and manage the fleet claim.</summary>
    public const string AdminPolicy = "admin";

    public static readonly string[] ViewerRoles = [Viewer, Operator, Admin];
    public static readonly string[] OperatorRoles = [Operator, Admin];
    public static readonly string[] AdminRoles = [Admin];
}
