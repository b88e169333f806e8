using System.Net;
using System.Text.Json.Nodes;

namespace IotAspire.Dashboard.ApiClient;

/// <summary>An Api error in words: the ProblemDetails' title and detail, never an exception's text.</summary>
public sealed record ApiProblem(int Status, string Title, string? Detail, JsonObject? Body = null)
{
    public string Message => string.IsNullOrWhiteSpace(Detail) ? Title : $"{Title}: {Detail}";

    public static ApiProblem Unreachable { get; } =
        new(0, "The Api cannot be reached", "It may be restarting. Try again in a moment.");

    public static ApiProblem SignedOut { get; } =
        new((int)HttpStatusCode.Unauthorized, "Your session has ended", "Sign in again to continue.");
}

/// <summary>An Api answer: the value, or the problem.</summary>
public sealed record ApiResult<T>(T? Value, ApiProblem? Problem)
{
    public bool Ok => Problem is null;

    public static ApiResult<T> Success(T value) => new(value, null);

    public static ApiResult<T> Failure(ApiProblem problem) => new(default, problem);
}
