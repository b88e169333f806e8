using IotAspire.Core.Data;
using IotAspire.Realtime;
using Npgsql;

namespace IotAspire.Api.Data;

/// <summary>Reads and writes the device registry (table <c>devices</c>).</summary>
public sealed class DeviceStore(NpgsqlDataSource dataSource) : IRegisteredDevices
{
    // last_connected / last_disconnected: written by the worker from the device's status and Last Will (schema 0004).
    private const string Columns = "key, device_id, name, created_at, last_seen, revoked_at, last_connected, last_disconnected";

    public async Task<DeviceRow?> FindAsync(string deviceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM devices WHERE device_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDevice(reader) : null;
    }

    public async Task<bool> IsRegisteredAsync(string deviceId, CancellationToken cancellationToken) =>
        await FindAsync(deviceId, cancellationToken) is not null;

    /// <summary>Which of these ids are registered (one round trip for a page of a fleet list).</summary>
    public async Task<IReadOnlyList<string>> RegisteredAmongAsync(IReadOnlyList<string> deviceIds, CancellationToken cancellationToken)
    {
        if (deviceIds.Count == 0)
        {
            return [];
        }

        await using var command = dataSource.CreateCommand("SELECT device_id FROM devices WHERE device_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceIds.ToArray() });
        var found = new List<string>(deviceIds.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }

    /// <summary>
    /// One page of devices in the order asked, after the cursor (keyset paging), optionally searched and filtered by
    /// status. Online means what the worker last recorded: connected after the last disconnect, and not revoked.
    /// </summary>
    public async Task<IReadOnlyList<DeviceRow>> ListAsync(
        DeviceCursor? after, string? search, DeviceStatusFilter status, DeviceSort sort, int take, CancellationToken cancellationToken)
    {
        var (order, keyset) = sort switch
        {
            DeviceSort.Name => ("name, device_id", "($1::text IS NULL OR (name, device_id) > ($4::text, $1))"),
            // Never seen sorts last; coalesce gives those a key to page through.
            DeviceSort.LastSeen => ("coalesce(last_seen, '-infinity') DESC, device_id",
                "($1::text IS NULL OR coalesce(last_seen, '-infinity') < coalesce($5::timestamptz, '-infinity') "
                + "OR (coalesce(last_seen, '-infinity') = coalesce($5::timestamptz, '-infinity') AND device_id > $1))"),
            _ => ("device_id", "($1::text IS NULL OR device_id > $1)"),
        };
        var filter = status switch
        {
            DeviceStatusFilter.Online => $"AND revoked_at IS NULL AND {OnlineCondition}",
            DeviceStatusFilter.Offline => $"AND revoked_at IS NULL AND NOT {OnlineCondition}",
            DeviceStatusFilter.Revoked => "AND revoked_at IS NOT NULL",
            _ => "",
        };
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM devices
            WHERE {keyset}
              AND ($2::text IS NULL OR device_id ILIKE $2 OR name ILIKE $2)
              {filter}
            ORDER BY {order}
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.Id ?? DBNull.Value, DataTypeName = "text" });
        command.Parameters.Add(new NpgsqlParameter { Value = search is null ? DBNull.Value : ContainsPattern(search), DataTypeName = "text" });
        command.Parameters.Add(new NpgsqlParameter { Value = take });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.Name ?? DBNull.Value, DataTypeName = "text" });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.LastSeen ?? DBNull.Value, DataTypeName = "timestamptz" });

        var rows = new List<DeviceRow>(take);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadDevice(reader));
        }

        return rows;
    }

    /// <summary>Connected after its last disconnect, as the worker records presence (schema 0004).</summary>
    private const string OnlineCondition = "(last_connected IS NOT NULL AND (last_disconnected IS NULL OR last_connected > last_disconnected))";

    /// <summary>
    /// Locks the device's registry row until the returned lock is disposed (or committed), so that credential changes of
    /// one device take turns across all replicas: a rotation never re-enables an account that a concurrent revocation
    /// has just disabled. Null when no device has the id.
    /// </summary>
    public Task<DeviceLock?> LockAsync(string deviceId, CancellationToken cancellationToken) =>
        DeadConnections.RetryOnceAsync(dataSource, () => TryLockAsync(deviceId, cancellationToken));

    private async Task<DeviceLock?> TryLockAsync(string deviceId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"SELECT {Columns} FROM devices WHERE device_id = $1 FOR UPDATE", connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
            DeviceRow? row;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                row = await reader.ReadAsync(cancellationToken) ? ReadDevice(reader) : null;
            }

            if (row is null)
            {
                await connection.DisposeAsync();
                return null;
            }

            return new DeviceLock(row, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A device's row, locked: mark it revoked or not, then commit; disposing without a commit rolls back.</summary>
    public sealed class DeviceLock(DeviceRow row, NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public DeviceRow Row { get; } = row;

        /// <summary>Marks the device revoked (keeping the first revocation time) or clears the mark, and commits. Its data stays.</summary>
        public async Task SetRevokedAndCommitAsync(bool revoked, CancellationToken cancellationToken)
        {
            await using (var command = new NpgsqlCommand(
                "UPDATE devices SET revoked_at = CASE WHEN $2 THEN coalesce(revoked_at, now()) END WHERE device_id = $1",
                connection, transaction))
            {
                command.Parameters.Add(new NpgsqlParameter { Value = Row.DeviceId });
                command.Parameters.Add(new NpgsqlParameter { Value = revoked });
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>'%text%' for ILIKE, with the pattern characters in the user's text taken literally.</summary>
    internal static string ContainsPattern(string text) =>
        "%" + text.Replace(@"\", @"\\", StringComparison.Ordinal)
                  .Replace("%", @"\%", StringComparison.Ordinal)
                  .Replace("_", @"\_", StringComparison.Ordinal) + "%";

    private static DeviceRow ReadDevice(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetDateTime(3),
        reader.IsDBNull(4) ? null : reader.GetDateTime(4),
        reader.IsDBNull(5) ? null : reader.GetDateTime(5),
        reader.IsDBNull(6) ? null : reader.GetDateTime(6),
        reader.IsDBNull(7) ? null : reader.GetDateTime(7));
}
