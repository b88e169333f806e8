using System.Net.Sockets;
using Npgsql;
using IotAspire.Core.Data;

namespace IotAspire.DeviceWorker.Data;

public static class DatabaseErrors
{
    /// <summary>
    /// Errors worth waiting out: the database is unreachable, restarting (a pooled connection it killed),
    /// overloaded, or chose us as a deadlock victim.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException pg => pg.IsTransient
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal)  // connection exception
            || pg.SqlState.StartsWith("40", StringComparison.Ordinal)  // deadlock, serialization failure
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal)  // insufficient resources
            || pg.SqlState.StartsWith("57", StringComparison.Ordinal), // shutdown, cancelled by admin
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        SocketException or IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// A failure that says nothing about the message being handled, so dead-lettering it would only dead-letter every
    /// message after it too: the database or Redis is away (<see cref="IsTransient"/>), or the database refuses for a
    /// reason of its own (a missing table or column, missing permissions, a read-only server, an internal error).
    /// Only a data exception (SQLSTATE class 22) or an integrity violation (23) can be one message's fault.
    /// </summary>
    public static bool IsSystemic(Exception exception) => exception switch
    {
        PostgresException pg => !pg.SqlState.StartsWith("22", StringComparison.Ordinal) && !pg.SqlState.StartsWith("23", StringComparison.Ordinal),
        NpgsqlException => true,
        _ => RedisClientOptions.IsUnavailable(exception) || IsTransient(exception),
    };
}
