namespace IotAspire.Core.Mqtt;

/// <summary>
/// Device and service accounts on the MQTT broker (Mosquitto dynamic security), kept apart: a device call refuses any
/// account that is not a device's (a reserved name, or a client without exactly its device role), and a service call
/// refuses any name outside <see cref="ReservedAccountNames"/>. So a bug elsewhere cannot turn a device id into a
/// service account's password. Every method is idempotent, so a retried registration or setup run converges.
/// </summary>
public interface IBrokerAccounts
{
    /// <summary>
    /// Creates (or re-creates) the device's role, allowing exactly <c>devices/{id}/...</c>, and its client, with user
    /// name and client id both equal to the device id. An existing device client gets the new password and is enabled.
    /// </summary>
    /// <exception cref="AccountKindException">The name is reserved, or the account exists and is not a device's.</exception>
    Task UpsertDeviceAsync(string deviceId, string password, CancellationToken cancellationToken);

    /// <summary>Disables a device's client: a connected device is disconnected at once and cannot log in again.</summary>
    /// <exception cref="AccountKindException">The account is not a device's.</exception>
    Task DisableDeviceAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Creates or updates a service account with the given role ACLs (replaced whole).</summary>
    Task UpsertServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken);

    /// <summary>
    /// Creates a service account that is administered at run time (e.g. the fleet claim): its role ACLs always converge,
    /// but an existing client keeps its enabled state, and its password unless <paramref name="password"/> differs from
    /// the one this method last applied. So a setup run never undoes a rotation or a disable made since, yet a changed
    /// configured password still takes effect.
    /// </summary>
    Task<ServiceAccountChange> EnsureServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken);

    /// <summary>Replaces a service account's password; the old one stops working for new logins.</summary>
    Task SetServicePasswordAsync(string username, string password, CancellationToken cancellationToken);

    /// <summary>Lets a disabled service account log in again.</summary>
    Task EnableServiceAsync(string username, CancellationToken cancellationToken);

    /// <summary>Disables a service account: connected sessions are dropped at once.</summary>
    Task DisableServiceAsync(string username, CancellationToken cancellationToken);
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

/// <summary>The broker could not be reached or refused a command.</summary>
public class BrokerAccountException : Exception
{
    public BrokerAccountException(string message) : base(message) { }

    public BrokerAccountException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A device operation named an account that is not a device's, or a service operation one that is not a service's: nothing was changed.</summary>
public sealed class AccountKindException(string message) : BrokerAccountException(message);
