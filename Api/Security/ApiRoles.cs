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

    public const string ViewerPolicy = Core.Security.AccessPolicies.Viewer;
    public const string OperatorPolicy = Core.Security.AccessPolicies.Operator;
    public const string AdminPolicy = Core.Security.AccessPolicies.Admin;

    public static readonly string[] ViewerRoles = [Viewer, Operator, Admin];
    public static readonly string[] OperatorRoles = [Operator, Admin];
    public static readonly string[] AdminRoles = [Admin];
}
