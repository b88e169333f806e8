using System.Net.Http.Headers;
using IotAspire.Dashboard.Auth;

namespace IotAspire.Dashboard.Charts;

/// <summary>
/// The browser's way to chart data: GET /bff/devices/{id}/telemetry?... with the session cookie is forwarded to the
/// Api's telemetry query with the user's access token, and the Api's answer is streamed back as it is. Bulk data so
/// goes browser - dashboard - Api over plain HTTP, not through the Blazor circuit.
/// </summary>
public static class ChartDataEndpoints
{
    public const string HttpClientName = "chart-data";

    /// <summary>Where the browser's data requests go; they answer 401 rather than a redirect to the login page.</summary>
    public const string PathPrefix = "/bff";

    public static IEndpointConventionBuilder MapChartDataEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet(PathPrefix + "/devices/{id}/telemetry", ForwardTelemetryAsync).RequireAuthorization();

    public static async Task ForwardTelemetryAsync(
        string id, HttpContext context, UserTokens tokens, IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAccessTokenAsync(cancellationToken);
        if (token is null)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"api/devices/{Uri.EscapeDataString(id)}/telemetry{context.Request.QueryString}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException)
        {
            await Results.Problem(statusCode: StatusCodes.Status502BadGateway, title: "The Api cannot be reached",
                detail: "It may be restarting. Try again in a moment.").ExecuteAsync(context);
            return;
        }

        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            context.Response.Headers.CacheControl = "no-store";
            await response.Content.CopyToAsync(context.Response.Body, cancellationToken);
        }
    }
}
