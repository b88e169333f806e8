using System.Text.Json;

namespace IotAspire.IdentityProvider.Realm;

/// <summary>Reads a Keycloak realm export (the same file Keycloak imports) into a <see cref="RealmDefinition"/>.</summary>
public static class RealmLoader
{
    private const string AudienceMapper = "oidc-audience-mapper";

    public static RealmDefinition Load(string path, Func<string, string?> lookup)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"Realm file '{Path.GetFullPath(path)}' (Realm:File) does not exist.");
        }

        return Parse(PlaceholderSubstitution.Substitute(File.ReadAllText(path), lookup));
    }

    public static RealmDefinition Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var audiencesByScope = AudiencesByClientScope(root);
        var defaultScopes = Strings(root, "defaultDefaultClientScopes");

        var clients = Array(root, "clients")
            .Select(c => ParseClient(c, audiencesByScope, defaultScopes))
            .ToDictionary(c => c.ClientId, StringComparer.Ordinal);
        var users = Array(root, "users").Select(ParseUser).ToList();

        return new RealmDefinition(
            String(root, "realm") ?? throw new InvalidOperationException("The realm file has no 'realm' name."),
            root.TryGetProperty("accessTokenLifespan", out var lifespan) ? TimeSpan.FromSeconds(lifespan.GetInt32()) : null,
            clients,
            users);
    }

    private static RealmClient ParseClient(JsonElement client, Dictionary<string, List<string>> audiencesByScope, IReadOnlyList<string> realmDefaultScopes)
    {
        var scopes = client.TryGetProperty("defaultClientScopes", out _) ? Strings(client, "defaultClientScopes") : realmDefaultScopes;
        var attributes = client.TryGetProperty("attributes", out var a) ? a : default;
        return new RealmClient(
            String(client, "clientId") ?? throw new InvalidOperationException("A client in the realm file has no clientId."),
            Bool(client, "enabled", true),
            Bool(client, "publicClient", false),
            String(client, "secret"),
            Bool(client, "standardFlowEnabled", true),
            Bool(client, "directAccessGrantsEnabled", false),
            Bool(client, "serviceAccountsEnabled", false),
            attributes.ValueKind == JsonValueKind.Object ? String(attributes, "pkce.code.challenge.method") : null,
            Strings(client, "redirectUris"),
            [.. scopes.SelectMany(s => audiencesByScope.GetValueOrDefault(s) ?? []).Distinct(StringComparer.Ordinal)]);
    }

    private static RealmUser ParseUser(JsonElement user)
    {
        var username = String(user, "username") ?? throw new InvalidOperationException("A user in the realm file has no username.");
        var password = Array(user, "credentials")
            .Where(c => String(c, "type") == "password")
            .Select(c => String(c, "value"))
            .FirstOrDefault();
        return new RealmUser(
            // Keycloak keeps the id of the file; without one, a stable id from the name (same token subject every run).
            String(user, "id") ?? StableId(username),
            username,
            Bool(user, "enabled", false),
            String(user, "email"),
            Bool(user, "emailVerified", false),
            String(user, "firstName"),
            String(user, "lastName"),
            password,
            String(user, "serviceAccountClientId"),
            Strings(user, "realmRoles"));
    }

    /// <summary>Which audiences each client scope's audience mappers add to access tokens.</summary>
    private static Dictionary<string, List<string>> AudiencesByClientScope(JsonElement root) =>
        Array(root, "clientScopes").ToDictionary(
            s => String(s, "name") ?? "",
            s => Array(s, "protocolMappers")
                .Where(m => String(m, "protocolMapper") == AudienceMapper && m.TryGetProperty("config", out _))
                .Select(m => m.GetProperty("config"))
                .Where(config => String(config, "access.token.claim") != "false")
                .Select(config => String(config, "included.custom.audience") ?? String(config, "included.client.audience"))
                .OfType<string>()
                .ToList(),
            StringComparer.Ordinal);

    private static string StableId(string username)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("iot-realm-user:" + username));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [];

    private static List<string> Strings(JsonElement element, string name) =>
        [.. Array(element, name).Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)];

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool Bool(JsonElement element, string name, bool fallback) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : fallback;
}
