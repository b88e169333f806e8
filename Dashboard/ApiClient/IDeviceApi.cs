using System.Text.Json.Nodes;

namespace IotAspire.Dashboard.ApiClient;

/// <summary>The Api calls the pages make, as the signed-in user.</summary>
public interface IDeviceApi
{
    Task<ApiResult<DeviceListPage>> ListDevicesAsync(DeviceQuery query, CancellationToken cancellationToken = default);
    Task<ApiResult<DeviceDto>> GetDeviceAsync(string id, CancellationToken cancellationToken = default);
    Task<ApiResult<MetricDto[]>> GetMetricsAsync(string id, CancellationToken cancellationToken = default);
    Task<ApiResult<JsonObject>> GetShadowAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>PATCH desired with the version the user edited; a 409 problem when the shadow has moved on since.</summary>
    Task<ApiResult<JsonObject>> UpdateDesiredAsync(string id, JsonObject desired, long? version, CancellationToken cancellationToken = default);

    Task<ApiResult<CommandResult>> InvokeCommandAsync(string id, string name, JsonNode? payload, int timeoutSeconds, CancellationToken cancellationToken = default);
    Task<ApiResult<DeviceRegistered>> RegisterAsync(string id, string? name, CancellationToken cancellationToken = default);
    Task<ApiResult<DeviceCredentials>> RotateCredentialsAsync(string id, CancellationToken cancellationToken = default);
    Task<ApiResult<bool>> RevokeAsync(string id, CancellationToken cancellationToken = default);
    Task<ApiResult<DeviceCredentials>> ReinstateAsync(string id, CancellationToken cancellationToken = default);
}
