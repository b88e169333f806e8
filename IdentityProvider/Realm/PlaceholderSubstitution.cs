using System.Text.Json;
using System.Text.RegularExpressions;

namespace IotAspire.IdentityProvider.Realm;

/// <summary>
/// Keycloak resolves <c>${NAME}</c> in a realm file from the environment on --import-realm; this does the same from
/// configuration (which includes the environment), so one file serves both providers and holds no secret.
/// </summary>
public static partial class PlaceholderSubstitution
{
    // Upper-case names only: Keycloak's own message keys (${offlineAccessScopeConsentText}) are not environment variables.
    [GeneratedRegex(@"\$\{([A-Z][A-Z0-9_]*)\}")]
    private static partial Regex Placeholder();

    public static string Substitute(string json, Func<string, string?> lookup)
    {
        var missing = Placeholder().Matches(json)
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)
            .Where(name => string.IsNullOrEmpty(lookup(name)))
            .ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The realm file refers to {string.Join(", ", missing)}, which {(missing.Count == 1 ? "is" : "are")} not set: " +
                "set them as environment variables (the AppHost does so from its secret parameters).");
        }

        // Values go into JSON strings, so they are escaped as such (a password may contain a quote or a backslash).
        return Placeholder().Replace(json, m => JsonEncodedText.Encode(lookup(m.Groups[1].Value)!).ToString());
    }
}
