using System.Text.RegularExpressions;

namespace IotAspire.IdentityProvider.Realm;

/// <summary>
/// Keycloak-style redirect URI patterns: '*' stands for any port or path segment text, and a trailing '*' for any rest.
/// </summary>
public static class RedirectUriPattern
{
    public static bool IsAllowed(IEnumerable<string> patterns, string? redirectUri)
    {
        // Only plain absolute URIs: no user info (http://localhost:1@evil/) and no fragment.
        if (redirectUri is null || !Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri) ||
            uri.UserInfo.Length > 0 || uri.Fragment.Length > 0 || uri.Scheme is not ("http" or "https"))
        {
            return false;
        }

        return patterns.Any(pattern => ToRegex(pattern).IsMatch(redirectUri));
    }

    private static Regex ToRegex(string pattern)
    {
        var escaped = Regex.Escape(pattern);
        var body = escaped.EndsWith(@"\*", StringComparison.Ordinal)
            ? escaped[..^2].Replace(@"\*", "[^/?#@]*", StringComparison.Ordinal) + ".*"
            : escaped.Replace(@"\*", "[^/?#@]*", StringComparison.Ordinal);
        return new Regex("^" + body + "$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}
