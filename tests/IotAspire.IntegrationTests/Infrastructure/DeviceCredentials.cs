using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace IotAspire.IntegrationTests.Infrastructure;

public sealed record DeviceCredentials(string Id, string Host, int Port, string Username, string Password)
{
    private static int _sequence;

    /// <summary>A unique id per call, so tests never share devices (and never depend on each other's order).</summary>
    public static string NewId(string purpose) =>
        $"t-{purpose}-{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}-{Random.Shared.Next(1000, 9999)}";

    public static async Task<DeviceCredentials> RegisterAsync(StackFixture stack, string purpose)
    {
        var id = NewId(purpose);
        using var response = await stack.Api.PostAsJsonAsync("/api/devices", new { id, name = $"Test device {purpose}" });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Registration of {id} returned {(int)response.StatusCode}: {body}");
        using var json = JsonDocument.Parse(body);
        var mqtt = json.RootElement.GetProperty("mqtt");
        return new DeviceCredentials(
            json.RootElement.GetProperty("id").GetString()!,
            mqtt.GetProperty("host").GetString()!,
            mqtt.GetProperty("port").GetInt32(),
            mqtt.GetProperty("username").GetString()!,
            mqtt.GetProperty("password").GetString()!);
    }
}
