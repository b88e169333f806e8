using System.Diagnostics;
using IotAspire.Core.Protocol;
using IotAspire.Core.Shadows;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IotAspire.Api.Apis;

/// <summary>The API's error answers, all ProblemDetails with the trace id for support.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult InvalidDeviceId(string? id) => TypedResults.Problem(Create(
        StatusCodes.Status400BadRequest,
        "Invalid device id",
        $"'{Shorten(id)}' is not a valid device id: a device id is {DeviceId.Rule}."));

    public static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(Create(StatusCodes.Status400BadRequest, title, detail));

    public static ProblemHttpResult DeviceNotFound(string id) => TypedResults.Problem(Create(
        StatusCodes.Status404NotFound, "Device not found", $"No device has the id '{id}'."));

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(Create(StatusCodes.Status409Conflict, title, detail));

    public static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(Create(status, title, detail));

    /// <summary>A shadow error with AWS's code and the request's clientToken, as the device side's rejected document has them.</summary>
    public static ProblemHttpResult ShadowRejected(ShadowError error)
    {
        var title = error.Code switch
        {
            StatusCodes.Status404NotFound => "Shadow not found",
            StatusCodes.Status409Conflict => "Version conflict",
            StatusCodes.Status413PayloadTooLarge => "Shadow too large",
            _ => "Invalid shadow update",
        };
        var problem = Create(error.Code, title, error.Message);
        problem.Extensions["code"] = error.Code;
        if (error.ClientToken is not null)
        {
            problem.Extensions["clientToken"] = error.ClientToken;
        }

        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult BrokerUnavailable(string detail) => TypedResults.Problem(Create(
        StatusCodes.Status503ServiceUnavailable, "MQTT broker unavailable", detail));

    private static ProblemDetails Create(int status, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        // The same traceId the framework's own ProblemDetails carry, so every error can be found in the traces.
        if (Activity.Current is { } activity)
        {
            problem.Extensions["traceId"] = activity.Id;
        }

        return problem;
    }

    private static string Shorten(string? text) =>
        text is null ? "" : text.Length <= 80 ? text : string.Concat(text.AsSpan(0, 80), "…");
}
