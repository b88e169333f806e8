using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using IotAspire.Dashboard.Auth;

namespace IotAspire.Dashboard.ApiClient;

/// <summary>
/// The Api over HTTP with the user's access token (from the scope's <see cref="UserTokens"/>: the circuit's own, renewed
/// copy). Every failure comes back as an <see cref="ApiProblem"/> in words.
/// </summary>
public sealed partial class DeviceApiClient(HttpClient http, UserTokens tokens, ILogger<DeviceApiClient> logger) : IDeviceApi
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task<ApiResult<DeviceListPage>> ListDevicesAsync(DeviceQuery query, CancellationToken cancellationToken = default) =>
        SendAsync<DeviceListPage>(HttpMethod.Get, "api/devices" + ListQuery(query), null, cancellationToken);

    public Task<ApiResult<DeviceDto>> GetDeviceAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<DeviceDto>(HttpMethod.Get, $"api/devices/{Escape(id)}", null, cancellationToken);

    public Task<ApiResult<MetricDto[]>> GetMetricsAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<MetricDto[]>(HttpMethod.Get, $"api/devices/{Escape(id)}/metrics", null, cancellationToken);

    public Task<ApiResult<JsonObject>> GetShadowAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<JsonObject>(HttpMethod.Get, $"api/devices/{Escape(id)}/shadow", null, cancellationToken);

    public Task<ApiResult<JsonObject>> UpdateDesiredAsync(string id, JsonObject desired, long? version, CancellationToken cancellationToken = default)
    {
        var body = new JsonObject { ["state"] = new JsonObject { ["desired"] = desired.DeepClone() } };
        if (version is not null)
        {
            body["version"] = version;
        }

        return SendAsync<JsonObject>(HttpMethod.Patch, $"api/devices/{Escape(id)}/shadow", body, cancellationToken);
    }

    public Task<ApiResult<CommandResult>> InvokeCommandAsync(
        string id, string name, JsonNode? payload, int timeoutSeconds, CancellationToken cancellationToken = default) =>
        SendAsync<CommandResult>(HttpMethod.Post, $"api/devices/{Escape(id)}/commands/{Escape(name)}",
            new JsonObject { ["payload"] = payload?.DeepClone() ?? new JsonObject(), ["timeoutSeconds"] = timeoutSeconds }, cancellationToken);

    public Task<ApiResult<DeviceRegistered>> RegisterAsync(string id, string? name, CancellationToken cancellationToken = default) =>
        SendAsync<DeviceRegistered>(HttpMethod.Post, "api/devices", new JsonObject { ["id"] = id, ["name"] = name }, cancellationToken);

    public Task<ApiResult<DeviceCredentials>> RotateCredentialsAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<DeviceCredentials>(HttpMethod.Post, $"api/devices/{Escape(id)}/credentials", null, cancellationToken);

    public async Task<ApiResult<bool>> RevokeAsync(string id, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync<JsonElement?>(HttpMethod.Delete, $"api/devices/{Escape(id)}", null, cancellationToken);
        return result.Ok ? ApiResult<bool>.Success(true) : ApiResult<bool>.Failure(result.Problem!);
    }

    public Task<ApiResult<DeviceCredentials>> ReinstateAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync<DeviceCredentials>(HttpMethod.Post, $"api/devices/{Escape(id)}/reinstate", null, cancellationToken);

    internal static string ListQuery(DeviceQuery query)
    {
        var parts = new List<string> { $"limit={query.Limit}", "latest=true" };
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            parts.Add("search=" + Uri.EscapeDataString(query.Search.Trim()));
        }

        if (query.Status != DeviceStatusFilter.All)
        {
            parts.Add("status=" + query.Status.ToString().ToLowerInvariant());
        }

        if (query.Sort != DeviceSort.Id)
        {
            parts.Add("sort=" + (query.Sort == DeviceSort.Name ? "name" : "lastSeen"));
        }

        if (!string.IsNullOrEmpty(query.After))
        {
            parts.Add("after=" + Uri.EscapeDataString(query.After));
        }

        return "?" + string.Join('&', parts);
    }

    private async Task<ApiResult<T>> SendAsync<T>(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAccessTokenAsync(cancellationToken);
        if (token is null)
        {
            return ApiResult<T>.Failure(ApiProblem.SignedOut);
        }

        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                if (response.StatusCode == HttpStatusCode.NoContent || response.Content.Headers.ContentLength == 0)
                {
                    return ApiResult<T>.Success(default!);
                }

                var value = await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken);
                return ApiResult<T>.Success(value!);
            }

            return ApiResult<T>.Failure(await ReadProblemAsync(response, cancellationToken));
        }
        catch (HttpRequestException ex)
        {
            LogUnreachable(method.Method, path, ex.Message);
            return ApiResult<T>.Failure(ApiProblem.Unreachable);
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ApiResult<T>.Failure(new ApiProblem(0, "The Api did not answer in time", "Try again in a moment."));
        }
    }

    internal static async Task<ApiProblem> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        JsonObject? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<JsonObject>(Json, cancellationToken);
        }
        catch (JsonException)
        {
            // Not ProblemDetails (a proxy's error page): the status alone is said in words below.
        }

        var title = problem?["title"]?.GetValue<string>() ?? DefaultTitle(response.StatusCode);
        var detail = problem?["detail"]?.GetValue<string>();
        return new ApiProblem(status, title, detail, problem);
    }

    private static string DefaultTitle(HttpStatusCode status) => status switch
    {
        HttpStatusCode.Unauthorized => "Your session has ended",
        HttpStatusCode.Forbidden => "Your role may not do this",
        HttpStatusCode.NotFound => "Not found",
        HttpStatusCode.TooManyRequests => "Too many requests: wait a moment",
        HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway => "The Api is not available right now",
        HttpStatusCode.GatewayTimeout => "The request timed out",
        _ => $"The Api answered {(int)status}",
    };

    private static string Escape(string value) => Uri.EscapeDataString(value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Api call {Method} {Path} failed: {Reason}")]
    private partial void LogUnreachable(string method, string path, string reason);
}
