using System.Security.Claims;

namespace IotAspire.Dashboard.Auth;

/// <summary>
/// The realm roles as the Api knows them. Each includes the ones below it. The dashboard only hides what a role may not
/// do; the Api decides.
/// </summary>
public static class DashboardRoles
{
    public const string Admin = "iot-admin";
    public const string Operator = "iot-operator";
    public const string Viewer = "iot-viewer";

    /// <summary>The claim type the dashboard's identity carries roles in.</summary>
    public const string ClaimType = "role";

    /// <summary>For AuthorizeView Roles=...: who may change desired state and send commands.</summary>
    public const string Operators = Operator + "," + Admin;

    /// <summary>For AuthorizeView Roles=...: who may register, revoke and reinstate devices.</summary>
    public const string Admins = Admin;

    /// <summary>The highest role of the user, for display ("admin", "operator", "viewer"), or null.</summary>
    public static string? Highest(ClaimsPrincipal user) =>
        user.IsInRole(Admin) ? "admin" : user.IsInRole(Operator) ? "operator" : user.IsInRole(Viewer) ? "viewer" : null;
}
