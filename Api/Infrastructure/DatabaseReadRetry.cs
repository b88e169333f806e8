using IotAspire.Core.Data;
using Npgsql;

namespace IotAspire.Api.Infrastructure;

/// <summary>
/// After PostgreSQL restarts, every connection left idle in the pool is dead and fails the first command sent on it,
/// so each would cost a caller a 503. A GET (safe to repeat) that fails on a dead connection clears the pool and runs
/// once more on a fresh one. Other errors, and other methods, go to the exception handler as before.
/// </summary>
public static partial class DatabaseReadRetry
{
    public static IApplicationBuilder UseDatabaseReadRetry(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        catch (NpgsqlException ex) when (DeadConnections.IsDeadConnection(ex) && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.RequestServices.GetRequiredService<NpgsqlDataSource>().Clear();
            context.RequestServices.GetRequiredService<ApiDiagnostics>().DatabaseReadRetries.Add(1);
            LogRetrying(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseReadRetry)),
                ex, context.Request.Path);
            await next(context);
        }
    });

    [LoggerMessage(LogLevel.Warning, "GET {Path} found a dead database connection; cleared the pool and reading once more")]
    private static partial void LogRetrying(ILogger logger, Exception exception, string path);
}
