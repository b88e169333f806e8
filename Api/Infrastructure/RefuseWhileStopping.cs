using IotAspire.Core.Http;

namespace IotAspire.Api.Infrastructure;

public static class RefuseWhileStopping
{
    /// <summary>
    /// Once the replica is stopping, every new request (health probes included) is answered 503 with
    /// <see cref="ReplicaDraining.Header"/> and <c>Connection: close</c>: the gateway takes the replica out and the client's
    /// retry goes to another one. Requests already running finish as usual.
    /// </summary>
    public static IApplicationBuilder UseRefuseWhileStopping(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use(async (context, next) =>
        {
            if (!stopping.IsCancellationRequested)
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "1";
            context.Response.Headers.Connection = "close";
            context.Response.Headers[ReplicaDraining.Header] = "true";
        });
    }
}
