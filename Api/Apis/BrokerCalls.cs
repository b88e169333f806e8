using IotAspire.Api.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IotAspire.Api.Apis;

/// <summary>One way for every endpoint that changes broker accounts to fail: logged, counted, and a 503 that says what did not happen.</summary>
internal static class BrokerCalls
{
    /// <summary>Null on success; a 503 answer when the broker refused or could not be reached.</summary>
    /// <param name="operation">What was attempted, for the log ("disable the broker account of device dev-1").</param>
    /// <param name="detail">The answer's detail: the state the caller is left in.</param>
    public static async Task<ProblemHttpResult?> TryAsync(
        Func<Task> call, string operation, string detail, ApiDiagnostics diagnostics, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await call();
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            diagnostics.BrokerFailures.Add(1);
            logger.LogError(ex, "The broker call failed: could not {Operation}", operation);
            return ApiProblems.BrokerUnavailable(detail);
        }
    }
}
