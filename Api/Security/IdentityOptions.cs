using System.ComponentModel.DataAnnotations;

namespace IotAspire.Api.Security;

/// <summary>
/// The OpenID Connect provider whose tokens the Api accepts, section <c>Identity</c>. Any provider works: Keycloak,
/// the local IdentityProvider, Entra ID, Auth0... Roles are read from <see cref="RolesClaim"/>.
/// </summary>
public sealed class IdentityOptions
{
    public const string Section = "Identity";

    /// <summary>The issuer URL; its <c>/.well-known/openid-configuration</c> gives the signing keys.</summary>
    [Required]
    [Url]
    public string Authority { get; set; } = "";

    /// <summary>The <c>aud</c> the Api's tokens carry.</summary>
    [Required]
    public string Audience { get; set; } = "iot-api";

    /// <summary>Only for local runs over plain http; keep true anywhere else.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// Where the roles are: a dotted path into the token, <c>realm_access.roles</c> for Keycloak, <c>roles</c> for
    /// Entra ID or a flat claim.
    /// </summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9_:\-/]+(\.[A-Za-z0-9_:\-/]+)*$")]
    public string RolesClaim { get; set; } = "realm_access.roles";

    /// <summary>
    /// Issuers accepted besides the authority's own: with Keycloak in a container, browsers and services may reach it
    /// under different host names, and Keycloak puts the requested one into <c>iss</c>.
    /// </summary>
    public string[] ValidIssuers { get; set; } = [];
}
