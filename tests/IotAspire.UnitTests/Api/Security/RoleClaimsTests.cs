using System.Security.Claims;
using System.Security.Cryptography;
using IotAspire.Api.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IotAspire.UnitTests.Api.Security;

public sealed class RoleClaimsTests
{
    /// <summary>The payload of an access token as Keycloak 26 issues it for realm "iot" (trimmed to what matters).</summary>
    private const string KeycloakPayload = """
        {
          "exp": 4102444800, "iat": 1764100000, "jti": "onrtac:7c1d", "iss": "http://localhost:8080/realms/iot",
          "aud": ["iot-api", "account"], "sub": "4f6a2c1e-0000-4000-8000-000000000001", "typ": "Bearer", "azp": "iot-cli",
          "scope": "profile email", "preferred_username": "operator",
          "realm_access": { "roles": ["default-roles-iot", "offline_access", "iot-operator"] },
          "resource_access": { "account": { "roles": ["manage-account"] } }
        }
        """;

    [Fact]
    public void AddTo_KeycloakShapedToken_AddsItsRealmRoles()
    {
        var identity = IdentityOf(KeycloakPayload);

        RoleClaims.AddTo(identity, "realm_access.roles");

        var principal = new ClaimsPrincipal(identity);
        Assert.True(principal.IsInRole(ApiRoles.Operator));
        Assert.False(principal.IsInRole(ApiRoles.Admin));
        Assert.Equal(["default-roles-iot", "offline_access", "iot-operator"], identity.FindAll(RoleClaims.Type).Select(c => c.Value));
    }

    [Fact]
    public void Read_ClientRolesOfAnotherPath_AreNotRealmRoles()
    {
        var roles = RoleClaims.Read(new ClaimsPrincipal(IdentityOf(KeycloakPayload)), "realm_access.roles");

        Assert.DoesNotContain("manage-account", roles);
    }

    [Fact]
    public void Read_FlatRolesArray_ReadsEachRole()
    {
        var identity = IdentityOf("""{"sub":"x","roles":["iot-viewer","iot-admin"]}""");

        Assert.Equal(["iot-viewer", "iot-admin"], RoleClaims.Read(new ClaimsPrincipal(identity), "roles"));
    }

    [Fact]
    public void Read_SingleStringRole_ReadsIt()
    {
        var identity = IdentityOf("""{"sub":"x","roles":"iot-viewer"}""");

        Assert.Equal(["iot-viewer"], RoleClaims.Read(new ClaimsPrincipal(identity), "roles"));
    }

    [Theory]
    [InlineData("""{"sub":"x"}""")]
    [InlineData("""{"sub":"x","realm_access":{}}""")]
    [InlineData("""{"sub":"x","realm_access":{"roles":{"nested":"iot-admin"}}}""")]
    [InlineData("""{"sub":"x","realm_access":"iot-admin"}""")]
    [InlineData("""{"sub":"x","realm_access":{"roles":[1, true, null]}}""")]
    public void Read_TokenWithoutRealmRoles_GivesNoRole(string payload)
    {
        Assert.Empty(RoleClaims.Read(new ClaimsPrincipal(IdentityOf(payload)), "realm_access.roles"));
    }

    [Fact]
    public void AddTo_CalledTwice_AddsEachRoleOnce()
    {
        var identity = IdentityOf(KeycloakPayload);

        RoleClaims.AddTo(identity, "realm_access.roles");
        RoleClaims.AddTo(identity, "realm_access.roles");

        Assert.Single(identity.FindAll(RoleClaims.Type), c => c.Value == ApiRoles.Operator);
    }

    /// <summary>The claims the Api's JWT handler makes of a signed token with this payload (MapInboundClaims off).</summary>
    internal static ClaimsIdentity IdentityOf(string payload)
    {
        using var rsa = RSA.Create(2048);
        var handler = new JsonWebTokenHandler();
        var token = handler.CreateToken(payload, new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256));
        return new ClaimsIdentity(handler.ReadJsonWebToken(token).Claims, "Bearer", "preferred_username", RoleClaims.Type);
    }
}
