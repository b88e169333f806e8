using Npgsql;

namespace IotAspire.DeviceWorker.Presence;

/// <summary>
/// The durable side of presence: <c>devices.last_connected</c> / <c>last_disconnected</c> (and <c>last_seen</c> on
/// connect). greatest() keeps each column monotonic, so a repeated or late write changes nothing.
/// </summary>
public sealed class DeviceConnectionLog(NpgsqlDataSource dataSource)
{
    private const string Record = """
        UPDATE devices SET
            last_connected    = CASE WHEN $2 THEN greatest(last_connected, $3) ELSE last_connected END,
            last_seen         = CASE WHEN $2 THEN greatest(last_seen, $3) ELSE last_seen END,
            last_disconnected = CASE WHEN $2 THEN last_disconnected ELSE greatest(last_disconnected, $3) END
        WHERE device_id = $1 AND revoked_at IS NULL
        """;

    /// <returns>False when the device is not registered (or revoked).</returns>
    public async Task<bool> RecordAsync(string deviceId, bool online, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Record);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = online });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = at.UtcDateTime });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }
}
