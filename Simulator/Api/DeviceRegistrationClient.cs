using System.Net;
using System.Net.Http.Json;
using IotAspire.Core.Mqtt;

namespace IotAspire.Simulator.Api;

/// <summary>
/// Registers virtual devices through the API like a real installer would: POST /api/devices, and when the
/// device already exists (a restarted simulator), POST /api/devices/{id}/credentials for a fresh password.
/// Retries with back-off while the API is not reachable or answers 5xx.
/// </summary>
public sealed class DeviceRegistrationClient(HttpClient http, ILogger<DeviceRegistrationClient> logger)
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private sealed record CreateDeviceRequest(string Id, string Name);

    private sealed record CredentialsResponse(string Id, MqttCredentials Mqtt);

    /// <summary>Credentials for the device, registering it if needed. Retries until it succeeds or is cancelled.</summary>
    public async Task<MqttCredentials> GetCredentialsAsync(string deviceId, CancellationToken cancellationToken)
    {
        var backoff = TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryRegisterAsync(deviceId, cancellationToken);
            }
            catch (Exception ex) when (IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Registering {DeviceId} failed (attempt {Attempt}): {Reason}; retrying in {Delay}",
                    deviceId, attempt, ex.Message, backoff);
                await Task.Delay(Jitter(backoff), cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>A new password for a device that exists (e.g. the broker refused the old one).</summary>
    public async Task<MqttCredentials> RotateAsync(string deviceId, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync($"api/devices/{Uri.EscapeDataString(deviceId)}/credentials", null, cancellationToken);
        await EnsureSuccessAsync(response, deviceId, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<CredentialsResponse>(cancellationToken);
        return body?.Mqtt ?? throw new InvalidOperationException($"The API returned no credentials for {deviceId}.");
    }

    private async Task<MqttCredentials> TryRegisterAsync(string deviceId, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/devices", new CreateDeviceRequest(deviceId, $"Simulated {deviceId}"), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return await RotateAsync(deviceId, cancellationToken);
        }

        await EnsureSuccessAsync(response, deviceId, cancellationToken);
        var body = await response.Content.ReadFromJsonAsync<CredentialsResponse>(cancellationToken);
        return body?.Mqtt ?? throw new InvalidOperationException($"The API returned no credentials for {deviceId}.");
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string deviceId, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var problem = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new HttpRequestException(
            $"The API answered {(int)response.StatusCode} for device {deviceId}: {problem}", null, response.StatusCode);
    }

    /// <summary>Unreachable, timed out or 5xx: worth another try. A 4xx is a configuration error that retries cannot fix.</summary>
    internal static bool IsTransient(Exception exception) => exception switch
    {
        HttpRequestException { StatusCode: null } => true,
        HttpRequestException { StatusCode: { } status } => (int)status >= 500 || status == HttpStatusCode.TooManyRequests,
        TaskCanceledException or TimeoutException => true,
        _ => false,
    };

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.8 + (Random.Shared.NextDouble() * 0.4));
}
