namespace IotAspire.Api.Data;

/// <summary>A row of the <c>devices</c> table. Never returned by the API as is: see <c>DeviceDto</c>.</summary>
public sealed record DeviceRow(
    long Key, string DeviceId, string Name, DateTime CreatedAt, DateTime? LastSeen, DateTime? RevokedAt,
    DateTime? LastConnected = null, DateTime? LastDisconnected = null);

/// <summary>A row of <c>latest_values</c>: the time and the one value column that is set.</summary>
public sealed record StoredValue(DateTime Timestamp, object Value);

/// <summary>A row of <c>latest_values</c> with its metric's name.</summary>
public sealed record LatestValueRow(string Metric, StoredValue Latest);
