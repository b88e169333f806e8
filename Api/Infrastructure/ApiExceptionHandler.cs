using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using IotAspire.Api.Mqtt;
using Npgsql;
using IotAspire.Core.Data;

namespace IotAspire.Api.Infrastructure;

/// <summary>
/// Turns every exception that escapes a handler into a ProblemDetails answer with a meaningful status:
/// a malformed request is the client's 400, an unreachable dependency is 503, anything else a 500 with the trace id.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
            httpContext.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            return true;
        }

        var (status, title, detail) = Classify(exception);
        if (status >= StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "{Method} {Path} failed with {Status}", httpContext.Request.Method, httpContext.Request.Path, status);
        }
        else
        {
            logger.LogInformation("{Method} {Path} rejected with {Status}: {Reason}", httpContext.Request.Method, httpContext.Request.Path, status, exception.Message);
        }

        httpContext.Response.StatusCode = status;
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails { Status = status, Title = title, Detail = detail },
        });
    }

    internal static (int Status, string Title, string? Detail) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException bad => (bad.StatusCode, "Bad request", bad.Message),
        MqttUnavailableException mqtt => (StatusCodes.Status503ServiceUnavailable, "MQTT broker unavailable", mqtt.Message),
        NpgsqlException { IsTransient: true } or TimeoutException or SocketException =>
            (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "A backing service did not answer. Try again later."),
        _ when RedisClientOptions.IsUnavailable(exception) =>
            (StatusCodes.Status503ServiceUnavailable, "Service unavailable", "The state store is restarting or unreachable. Try again in a moment."),
        _ => (StatusCodes.Status500InternalServerError, "Unexpected error", "The error was logged with this response's trace id."),
    };
}
