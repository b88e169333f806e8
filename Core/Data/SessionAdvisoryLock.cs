using Npgsql;

namespace IotAspire.Core.Data;

/// <summary>
/// A PostgreSQL session advisory lock, for jobs that every replica schedules but only one may run at a time:
/// a replica that does not get it skips its turn.
/// </summary>
public static class SessionAdvisoryLock
{
    public static async Task<bool> TryTakeAsync(NpgsqlConnection connection, long lockId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lockId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Not cancellable: the lock must not stay with a pooled session. A session that broke took its lock with it.</summary>
    public static async Task ReleaseAsync(NpgsqlConnection connection, long lockId)
    {
        if (connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lockId });
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
