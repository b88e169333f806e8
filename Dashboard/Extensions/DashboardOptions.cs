using System.ComponentModel.DataAnnotations;

namespace IotAspire.Dashboard.Extensions;

/// <summary>Configuration section "Dashboard": where the Api is and how the browser reaches the dashboard.</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>
    /// The Api's base address. The default is the AppHost's gateway (the Api's public endpoint), resolved by service
    /// discovery; elsewhere set the public address (https://iot.example.com). The hub is {ApiBaseAddress}/hubs/devices.
    /// </summary>
    [Required]
    public Uri ApiBaseAddress { get; set; } = new("http://gateway");

    /// <summary>
    /// The origin browsers reach the dashboard at, when it differs from the request's (behind a reverse proxy): the
    /// OpenID Connect redirect URIs are built from it. Unset, from the request, as for a direct connection.
    /// </summary>
    public Uri? PublicOrigin { get; set; }
}

/// <summary>Configuration section "Identity": the OpenID Connect provider and the dashboard's client there.</summary>
public sealed class DashboardIdentityOptions
{
    public const string Section = "Identity";

    /// <summary>The issuer, e.g. http://localhost:5180/realms/iot (the AppHost sets it).</summary>
    [Required]
    public string Authority { get; set; } = "";

    /// <summary>A public client with the authorization code flow and PKCE (the realm's <c>iot-dashboard</c>).</summary>
    [Required]
    public string ClientId { get; set; } = "iot-dashboard";

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>Where the access token carries the roles; Keycloak's realm roles by default (the Api reads the same).</summary>
    [Required]
    public string RolesClaim { get; set; } = "realm_access.roles";

    /// <summary>An access token this close to its expiry is refreshed before use.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan RefreshBefore { get; set; } = TimeSpan.FromSeconds(60);
}
