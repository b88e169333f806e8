using IotAspire.Core.Data;
using Npgsql;

namespace IotAspire.Api.Data;

/// <summary>Reads and writes the device registry (table <c>devices</c>).</summary>
public sealed class DeviceStore(NpgsqlDataSource dataSource)
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

    /// <summary>Devices with an id after <paramref name="after"/>, ordered by id (keyset paging).</summary>
    public async Task<IReadOnlyList<DeviceRow>> ListAsync(string? after, string? search, int take, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {Columns} FROM devices
            WHERE ($1::text IS NULL OR device_id > $1)
              AND ($2::text IS NULL OR device_id ILIKE $2 OR name ILIKE $2)
            ORDER BY device_id
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after ?? DBNull.Value, DataTypeName = "text" });
        command.Parameters.Add(new NpgsqlParameter { Value = search is null ? DBNull.Value : ContainsPattern(search), DataTypeName = "text" });
        command.Parameters.Add(new NpgsqlParameter { Value = take });

        var rows = new List<DeviceRow>(take);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadDevice(reader));
        }

        return rows;
    }

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
