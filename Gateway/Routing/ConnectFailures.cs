using Yarp.ReverseProxy.Forwarder;

namespace IotAspire.Gateway.Routing;

internal static class ConnectFailures
{
    /// <summary>
    /// The replica could not be reached at all (refused, reset while connecting): nothing of the request was sent, so
    /// another replica may take it. Anything later (a timeout, a reset mid-response) may have been carried out.
    /// </summary>
    public static bool IsConnectFailure(this HttpContext context) =>
        context.Features.Get<IForwarderErrorFeature>() is { Error: ForwarderError.Request, Exception: var exception }
        && Unwrap(exception) is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };

    private static Exception? Unwrap(Exception? exception) =>
        exception is AggregateException { InnerException: { } inner } ? inner : exception;
}
