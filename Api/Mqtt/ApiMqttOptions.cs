using System.ComponentModel.DataAnnotations;

namespace IotAspire.Api.Mqtt;

/// <summary>The Api's broker account (section <c>Mqtt</c>); the address is ConnectionStrings:mqtt.</summary>
public sealed class ApiMqttOptions
{
    public const string Section = "Mqtt";

    [Required]
    public string Username { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";

    /// <summary>Prefix of the client id; each replica appends a random suffix, so replicas never take each other's session.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{1,40}$")]
    public string ClientIdPrefix { get; set; } = "api";

    /// <summary>
    /// How long the broker keeps this replica's session while it is away: a device's command answer that arrives during a
    /// reconnect waits in it. Short, so that the session of a replica that is gone for good does not collect answers long.
    /// </summary>
    [Range(1, 86_400)]
    public int SessionExpirySeconds { get; set; } = 300;

    [Range(1, 3600)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>
    /// The longest wait between two connection attempts (the first is at once). Short on purpose: after a broker restart
    /// devices are let in only once the worker has subscribed again, so its reconnect decides how long they wait.
    /// </summary>
    [Range(1, 300)]
    public int MaxReconnectDelaySeconds { get; set; } = 1;

    /// <summary>How long a publish waits for a (re)connection before it fails.</summary>
    [Range(0, 60)]
    public int PublishWaitSeconds { get; set; } = 5;
}
