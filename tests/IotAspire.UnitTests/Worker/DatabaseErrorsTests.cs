using IotAspire.DeviceWorker.Data;
using Npgsql;

namespace IotAspire.UnitTests.Worker;

public class DatabaseErrorsTests
{
    [Theory]
    [InlineData("40P01", true)]  // deadlock
    [InlineData("57P01", true)]  // admin shutdown
    [InlineData("08006", true)]  // connection failure
    [InlineData("53300", true)]  // too many connections
    [InlineData("23503", false)] // foreign key violation
    [InlineData("22021", false)] // bad encoding
    public void IsTransient_PostgresError_ByClass(string sqlState, bool transient)
    {
        var error = new PostgresException("message", "ERROR", "ERROR", sqlState);

        Assert.Equal(transient, DatabaseErrors.IsTransient(error));
    }

    [Fact]
    public void IsTransient_ProgrammingError_IsNot()
    {
        Assert.False(DatabaseErrors.IsTransient(new InvalidOperationException()));
    }
}
