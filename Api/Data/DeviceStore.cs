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
    /// Inserts the device inside a transaction that the caller commits once the broker account exists,
    /// so that a failure on either side leaves no half-registered device. Null when the id is taken.
    /// </summary>
    public async Task<PendingRegistration?> TryBeginRegistrationAsync(string deviceId, string name, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                $"""
                INSERT INTO devices (device_id, name) VALUES ($1, $2)
                ON CONFLICT (device_id) DO NOTHING
                RETURNING {Columns}
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
            command.Parameters.Add(new NpgsqlParameter { Value = name });

            DeviceRow? row = null;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    row = ReadDevice(reader);
                }
            }

            if (row is null)
            {
                await transaction.DisposeAsync();
                await connection.DisposeAsync();
                return null;
            }

            return new PendingRegistration(row, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
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

/// <summary>An inserted, not yet committed device. Disposing without <see cref="CommitAsync"/> rolls it back.</summary>
public sealed class PendingRegistration(DeviceRow device, NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
{
    public DeviceRow Device { get; } = device;

    public Task CommitAsync(CancellationToken cancellationToken) => transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
