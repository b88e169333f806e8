using System.Net.Sockets;
using Npgsql;

namespace IotAspire.Core.Data;

/// <summary>
/// After PostgreSQL restarts, every connection left idle in a pool is dead and fails the first command sent on it.
/// Where a first statement fails that way nothing has happened yet, so the caller clears the pool and runs it again.
/// </summary>
public static class DeadConnections
{
    /// <summary>The connection itself is gone (the server closed it or went away), not the statement that failed.</summary>
    public static bool IsDeadConnection(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow }
        || (exception is NpgsqlException && exception.InnerException is IOException or EndOfStreamException or SocketException);

    /// <summary>
    /// Runs <paramref name="firstStatement"/> (which must change nothing before its first command succeeds) on a fresh
    /// connection once more, after clearing the pool, when the first try met a dead one.
    /// </summary>
    public static async Task<T> RetryOnceAsync<T>(NpgsqlDataSource dataSource, Func<Task<T>> firstStatement)
    {
        try
        {
            return await firstStatement();
        }
        catch (Exception ex) when (IsDeadConnection(ex))
        {
            dataSource.Clear();
            return await firstStatement();
        }
    }
}
