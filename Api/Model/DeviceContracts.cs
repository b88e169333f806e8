using System.ComponentModel.DataAnnotations;
using IotAspire.Core.Mqtt;

namespace IotAspire.Api.Model;

/// <summary>Body of <c>POST /api/devices</c>. The id rule is checked by the handler, so its message can name the rule.</summary>
public sealed record CreateDeviceRequest
{
    /// <summary>1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'.</summary>
    public string? Id { get; init; }

    /// <summary>A display name; defaults to the id.</summary>
    [StringLength(DeviceRules.MaxNameLength)]
    public string? Name { get; init; }
}

/// <summary>
/// A registered device, as the API shows it. <c>Online</c> is live (Redis); <c>LastConnected</c>/<c>LastDisconnected</c>
/// are when the device last announced itself online and when it last went offline (its status or Last Will).
/// </summary>
public sealed record DeviceDto(
    string Id, string Name, DateTime CreatedAt, DateTime? LastSeen, bool Online, DateTime? LastConnected, DateTime? LastDisconnected,
    DateTime? RevokedAt)
{
    /// <summary>With <c>latest=true</c> on the list: the latest value of every metric, by name (else null).</summary>
    public IReadOnlyList<MetricDto>? Latest { get; init; }
}

/// <summary>One page of devices, ordered by id; pass <c>next</c> as <c>after</c> for the following page.</summary>
public sealed record DevicePage(IReadOnlyList<DeviceDto> Items, string? Next);

/// <summary>Answer to a registration: the device and its MQTT credentials (shown once).</summary>
public sealed record DeviceRegistered(string Id, string Name, MqttCredentials Mqtt);

/// <summary>Answer to a credential rotation: the device's new MQTT credentials (shown once).</summary>
public sealed record DeviceCredentials(string Id, MqttCredentials Mqtt);

public static class DeviceRules
{
    public const int MaxNameLength = 200;
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;
}
