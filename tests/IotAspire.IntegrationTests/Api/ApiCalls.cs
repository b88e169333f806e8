using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Api;

/// <summary>Small HTTP helpers for the shadow, command and device endpoints.</summary>
public static class ApiCalls
{
    public sealed record Answer(HttpStatusCode Status, string? ContentType, string? ETag, JsonElement Body, string Text);

    public static async Task<Answer> PatchShadowAsync(StackFixture stack, string deviceId, string body, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, $"/api/devices/{deviceId}/shadow")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await SendAsync(stack, request);
    }

    public static Task<Answer> GetShadowAsync(StackFixture stack, string deviceId) =>
        SendAsync(stack, new HttpRequestMessage(HttpMethod.Get, $"/api/devices/{deviceId}/shadow"));

    public static Task<Answer> GetDeviceAsync(StackFixture stack, string deviceId) =>
        SendAsync(stack, new HttpRequestMessage(HttpMethod.Get, $"/api/devices/{deviceId}"));

    public static Task<Answer> InvokeAsync(StackFixture stack, string deviceId, string name, object body) =>
        SendAsync(stack, new HttpRequestMessage(HttpMethod.Post, $"/api/devices/{deviceId}/commands/{name}") { Content = JsonContent.Create(body) });

    /// <summary>Waits until the worker has recorded the device's status (presence in Redis, shown by the Api).</summary>
    public static Task<Answer> WaitForOnlineAsync(StackFixture stack, string deviceId, bool online = true) =>
        Eventually.ReturnsAsync(
            () => GetDeviceAsync(stack, deviceId),
            answer => answer.Status == HttpStatusCode.OK && answer.Body.GetProperty("online").GetBoolean() == online,
            TimeSpan.FromSeconds(15),
            $"device {deviceId} shown {(online ? "online" : "offline")}");

    private static async Task<Answer> SendAsync(StackFixture stack, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await stack.Api.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
            return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, response.Headers.ETag?.ToString(), body, text);
        }
    }
}
