using System.ComponentModel.DataAnnotations;

namespace IotAspire.IdentityProvider.Extensions;

/// <summary>Configuration section "Realm".</summary>
public sealed class IdentityProviderOptions
{
    public const string Section = "Realm";

    /// <summary>The Keycloak realm export to serve (AppHost/realm/iot-realm.json).</summary>
    [Required]
    public string File { get; set; } = "";

    /// <summary>
    /// The origin clients reach this provider at (https://id.example.com), when it differs from the request's;
    /// unset, the issuer follows the request's scheme and host, like Keycloak's dev mode.
    /// </summary>
    public Uri? PublicOrigin { get; set; }

    /// <summary>Where the provider keeps its keys across restarts (see <see cref="ProviderKeys"/>); unset, new keys at every start.</summary>
    public string? KeyDirectory { get; set; }

    /// <summary>Access token lifetime; unset, the realm's accessTokenLifespan, else 5 minutes (Keycloak's default).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan? AccessTokenLifetime { get; set; }
}
