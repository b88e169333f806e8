using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IotAspire.Dashboard.Auth;

/// <summary>
/// Reads the roles from the access token, where the Api reads them: Keycloak puts realm roles there
/// (<c>realm_access.roles</c>), not in the ID token. The token came from the provider's token endpoint over the
/// back channel, so the dashboard reads it without validating it again; the Api validates it on every call.
/// </summary>
public static class AccessTokenRoles
{
    public static IReadOnlyList<string> Read(string? accessToken, string path)
    {
        if (string.IsNullOrEmpty(accessToken))
        {
            return [];
        }

        JsonWebToken token;
        try
        {
            token = new JsonWebToken(accessToken);
        }
        catch (ArgumentException)
        {
            return []; // Not a JWT (an opaque token): no roles known here.
        }

        using var payload = JsonDocument.Parse(Base64UrlEncoder.Decode(token.EncodedPayload));
        var element = payload.RootElement;
        foreach (var segment in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
            {
                return [];
            }
        }

        return element.ValueKind switch
        {
            JsonValueKind.Array => element.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList(),
            JsonValueKind.String => [element.GetString()!],
            _ => [],
        };
    }
}
