using StackExchange.Redis;

namespace IotAspire.Core.Data;

/// <summary>
/// How every service talks to Redis: fail at once while the connection is down (no backlog of commands waiting for a
/// reconnect, so a caller gets a 503 or a retry, never an open-ended wait), short timeouts, and reconnect in the
/// background. Redis answering LOADING after a restart is a failure of the same kind (<see cref="IsUnavailable"/>).
/// </summary>
public static class RedisClientOptions
{
    public static void Apply(ConfigurationOptions options)
    {
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2000;
        options.SyncTimeout = 2000;
        options.AsyncTimeout = 2000;
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(500);
    }

    /// <summary>Redis is away or not ready yet (restarting, loading its data, read-only): nothing about the request.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => server.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || server.Message.StartsWith("BUSY", StringComparison.Ordinal)
            || server.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || server.Message.StartsWith("MISCONF", StringComparison.Ordinal)
            || server.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || server.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        _ => false,
    };
}
