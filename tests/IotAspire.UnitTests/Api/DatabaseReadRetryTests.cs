using IotAspire.Core.Data;
using System.Net.Sockets;
using IotAspire.Api.Infrastructure;
using Npgsql;

namespace IotAspire.UnitTests.Api;

public sealed class DatabaseReadRetryTests
{
    [Theory]
    [InlineData(PostgresErrorCodes.AdminShutdown)]
    [InlineData(PostgresErrorCodes.CrashShutdown)]
    [InlineData(PostgresErrorCodes.CannotConnectNow)]
    public void IsDeadConnection_ServerEndedTheSession_IsTrue(string sqlState) =>
        Assert.True(DeadConnections.IsDeadConnection(new PostgresException("terminating connection", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void IsDeadConnection_StreamClosedUnderTheReader_IsTrue() =>
        Assert.True(DeadConnections.IsDeadConnection(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));

    [Fact]
    public void IsDeadConnection_SocketReset_IsTrue() =>
        Assert.True(DeadConnections.IsDeadConnection(new NpgsqlException("Exception while writing to stream", new IOException("reset", new SocketException()))));

    [Theory]
    [InlineData(PostgresErrorCodes.QueryCanceled)]
    [InlineData(PostgresErrorCodes.TooManyConnections)]
    [InlineData(PostgresErrorCodes.UndefinedTable)]
    public void IsDeadConnection_StatementOrServerLoadErrors_IsFalse(string sqlState) =>
        Assert.False(DeadConnections.IsDeadConnection(new PostgresException("failed", "ERROR", "ERROR", sqlState)));

    [Fact]
    public void IsDeadConnection_Timeout_IsFalse() =>
        Assert.False(DeadConnections.IsDeadConnection(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
}
