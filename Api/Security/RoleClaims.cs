using System.Security.Claims;
using System.Text.Json;

namespace IotAspire.Api.Security;

/// <summary>
/// Turns the provider's role claim into plain <see cref="Type"/> claims, so that authorization does not depend on
/// the token's shape. Keycloak nests roles in a JSON object (<c>realm_access: {"roles": [...]}</c>), which a JWT
/// handler hands over as one claim whose value is that JSON text; other providers send a flat <c>roles</c> claim,
/// one claim per role or one JSON array.
/// </summary>
public static class RoleClaims
{
    public const string Type = "role";

    public static IReadOnlyList<string> Read(ClaimsPrincipal principal, string path)
    {
        var segments = path.Split('.');
        var roles = new List<string>();
        foreach (var claim in principal.FindAll(segments[0]))
        {
            Collect(claim.Value, segments.AsSpan(1), roles);
        }

        return roles.Distinct(StringComparer.Ordinal).ToList();
    }

    public static void AddTo(ClaimsIdentity identity, string path)
    {
        foreach (var role in Read(new ClaimsPrincipal(identity), path))
        {
            if (!identity.HasClaim(Type, role))
            {
                identity.AddClaim(new Claim(Type, role));
            }
        }
    }

    private static void Collect(string value, ReadOnlySpan<string> rest, List<string> roles)
    {
        var trimmed = value.AsSpan().TrimStart();
        if (trimmed.IsEmpty || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            if (rest.IsEmpty && value.Length > 0)
            {
                roles.Add(value); // A flat claim: one role per claim.
            }

            return;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            var element = document.RootElement;
            foreach (var segment in rest)
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(segment, out element))
                {
                    return;
                }
            }

            if (element.ValueKind == JsonValueKind.Array)
            {
                roles.AddRange(element.EnumerateArray()
                    .Where(item => item.ValueKind == JsonValueKind.String)
                    .Select(item => item.GetString()!));
            }
            else if (element.ValueKind == JsonValueKind.String)
            {
                roles.Add(element.GetString()!);
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: no roles from this claim (the token was signed by our provider, so this is a shape
            // mismatch in configuration, not an attack; authorization then denies).
        }
    }
}
