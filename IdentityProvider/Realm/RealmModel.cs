namespace IotAspire.IdentityProvider.Realm;

/// <summary>The parts of a Keycloak realm export this provider serves; everything else in the file is ignored.</summary>
public sealed record RealmDefinition(
    string Name,
    TimeSpan? AccessTokenLifespan,
    IReadOnlyDictionary<string, RealmClient> Clients,
    IReadOnlyList<RealmUser> Users)
{
    public RealmClient? FindClient(string? clientId) =>
        clientId is not null && Clients.TryGetValue(clientId, out var client) && client.Enabled ? client : null;

    public RealmUser? FindUser(string? username) =>
        Users.FirstOrDefault(u => u.Enabled && u.ServiceAccountClientId is null && string.Equals(u.Username, username, StringComparison.OrdinalIgnoreCase));

    public RealmUser? FindUserById(string? id) => Users.FirstOrDefault(u => u.Enabled && u.Id == id);

    public RealmUser? FindServiceAccount(string clientId) => Users.FirstOrDefault(u => u.Enabled && u.ServiceAccountClientId == clientId);
}

public sealed record RealmClient(
    string ClientId,
    bool Enabled,
    bool PublicClient,
    string? Secret,
    bool StandardFlowEnabled,
    bool DirectAccessGrantsEnabled,
    bool ServiceAccountsEnabled,
    string? PkceMethod,
    IReadOnlyList<string> RedirectUris,
    IReadOnlyList<string> Audiences);

public sealed record RealmUser(
    string Id,
    string Username,
    bool Enabled,
    string? Email,
    bool EmailVerified,
    string? FirstName,
    string? LastName,
    string? Password,
    string? ServiceAccountClientId,
    IReadOnlyList<string> RealmRoles);
