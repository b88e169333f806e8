using Yarp.ReverseProxy.Model;

namespace IotAspire.Gateway.Routing;

/// <summary>
/// A request without a body that could not reach its replica is sent to another one, once per replica: a client
/// never sees the death of a replica it was not connected to (a negotiate, a poll, a GET, a WebSocket upgrade). Requests
/// with a body are not retried: it was not buffered. Runs before affinity and load balancing, so each try picks afresh.
/// </summary>
public static class RetryOnConnectFailure
{
    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var proxy = context.GetReverseProxyFeature();
        var candidates = proxy.AvailableDestinations;
        while (true)
        {
            await next();
            if (!context.IsConnectFailure() || context.Response.HasStarted || HasBody(context.Request)
                || proxy.ProxiedDestination is not { } failed)
            {
                return;
            }

            candidates = candidates.Where(d => d != failed).ToList();
            if (candidates.Count == 0)
            {
                return;
            }

            // Undo what the failed try left on the response, then let affinity and load balancing choose again.
            context.Features.Set<Yarp.ReverseProxy.Forwarder.IForwarderErrorFeature>(null);
            context.Response.StatusCode = StatusCodes.Status200OK;
            proxy.AvailableDestinations = candidates;
            proxy.ProxiedDestination = null;
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
}
