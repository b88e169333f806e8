using IotAspire.IdentityProvider.Realm;

namespace IotAspire.IdentityProvider.Endpoints;

/// <summary>
/// Keycloak's paths. OpenIddict's are relative to the base URI, which is {origin}/realms/{realm}
/// (RealmRequestValidation), so the issuer is Keycloak's too.
/// </summary>
public static class RealmPaths
{
    public const string Discovery = ".well-known/openid-configuration";
    public const string Authorization = "protocol/openid-connect/auth";
    public const string Token = "protocol/openid-connect/token";
    public const string Certs = "protocol/openid-connect/certs";
    public const string UserInfo = "protocol/openid-connect/userinfo";
    public const string Logout = "protocol/openid-connect/logout";

    public static string Root(RealmDefinition realm) => "/realms/" + realm.Name;

    public static string Login(RealmDefinition realm) => Root(realm) + "/login";
}
