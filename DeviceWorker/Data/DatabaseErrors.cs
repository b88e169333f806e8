using System.Net.Sockets;
using Npgsql;

namespace IotAspire.DeviceWorker.Data;

public static class DatabaseErrors
{
    /// <summary>
    /// Errors worth waiting out: the database is unreachable, restarting (a pooled connection it killed),
    /// overloaded, or chose us as a deadlock victim. Anything else is about the data or the code.
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
}
