using System.Text.Json;
using System.Text.Json.Nodes;

namespace IotAspire.Dashboard.ApiClient;

// The Api's JSON as the dashboard reads it (README: HTTP API). Only what the pages show.

public sealed record DeviceDto(
    string Id, string Name, DateTime CreatedAt, DateTime? LastSeen, bool Online, DateTime? LastConnected, DateTime? LastDisconnected,
    DateTime? RevokedAt, IReadOnlyList<MetricDto>? Latest = null)
{
    public bool Revoked => RevokedAt is not null;
}

public sealed record DeviceListPage(IReadOnlyList<DeviceDto> Items, string? Next);

public sealed record MetricDto(string Name, JsonElement LastValue, DateTime LastTimestamp);

public sealed record MqttCredentials(string Host, int Port, string Username, string Password);

public sealed record DeviceRegistered(string Id, string Name, MqttCredentials Mqtt);

public sealed record DeviceCredentials(string Id, MqttCredentials Mqtt);

public sealed record CommandResult(int Status, JsonNode? Payload);

/// <summary>What the fleet list asks for: GET /api/devices with search, status, sort and a keyset cursor.</summary>
public sealed record DeviceQuery(string? Search, DeviceStatusFilter Status, DeviceSort Sort, string? After, int Limit);

public enum DeviceStatusFilter { All, Online, Offline, Revoked }

public enum DeviceSort { Id, Name, LastSeen }
