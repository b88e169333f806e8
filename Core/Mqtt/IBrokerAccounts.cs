namespace IotAspire.Core.Mqtt;

/// <summary>
/// Device and service accounts on the MQTT broker (Mosquitto dynamic security).
/// Every method is idempotent, so a retried registration or setup run converges.
/// </summary>
public interface IBrokerAccounts
{
    /// <summary>
    /// Creates (or re-creates) the device's role, allowing exactly <c>devices/{id}/...</c>, and its client,
    /// with user name and client id both equal to the device id. An existing client gets the new password.
    /// </summary>
    Task UpsertDeviceAsync(string deviceId, string password, CancellationToken cancellationToken);

    /// <summary>Creates or updates a service account with the given role ACLs.</summary>
    Task UpsertServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken);

    /// <summary>Disables the client: a connected client is disconnected at once and cannot log in again.</summary>
    Task DisableClientAsync(string username, CancellationToken cancellationToken);

    /// <summary>Lets a disabled client log in again.</summary>
    Task EnableClientAsync(string username, CancellationToken cancellationToken);

    /// <summary>Replaces a client's password; the old one stops working for new logins.</summary>
    Task SetClientPasswordAsync(string username, string password, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a service account that is administered at run time (e.g. the fleet claim): its role ACLs always converge,
    /// but an existing client keeps its enabled state, and its password unless <paramref name="password"/> differs from
    /// the one this method last applied. So a setup run never undoes a rotation or a disable made since, yet a changed
    /// configured password still takes effect.
    /// </summary>
    Task<ServiceAccountChange> EnsureServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken);
}

public enum ServiceAccountChange
{
    Created,
    PasswordApplied,
    Unchanged,
}

public sealed record BrokerAcl(string AclType, string Topic, bool Allow = true, int Priority = 0)
{
    public static BrokerAcl PublishSend(string topic) => new("publishClientSend", topic);
    public static BrokerAcl PublishReceive(string topic) => new("publishClientReceive", topic);
    public static BrokerAcl Subscribe(string topic) => new("subscribePattern", topic);
}

/// <summary>The broker admin account (dynamic-security administrator), section <c>MqttAdmin</c>.</summary>
public sealed class MqttAdminOptions
{
    public const string Section = "MqttAdmin";

    [System.ComponentModel.DataAnnotations.Required]
    public string Username { get; set; } = "";

    [System.ComponentModel.DataAnnotations.Required]
    public string Password { get; set; } = "";
}
