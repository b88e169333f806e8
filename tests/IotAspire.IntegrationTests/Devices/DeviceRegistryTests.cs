using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Devices;

[Collection(StackCollection.Name)]
public sealed class DeviceRegistryTests(StackFixture stack)
{
    [Fact]
    public async Task Register_NewDevice_ReturnsCredentialsThatTheBrokerAccepts()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "register");

        Assert.Equal(device.Id, device.Username);
        Assert.Equal(stack.Broker.Port, device.Port);
        var published = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/status", """{"online":true}""");
        Assert.True(published.ExitCode == 0, published.Error);

        using var read = await stack.Api.GetAsync($"/api/devices/{device.Id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using var json = JsonDocument.Parse(await read.Content.ReadAsStringAsync());
        Assert.Equal(device.Id, json.RootElement.GetProperty("id").GetString());
        Assert.False(json.RootElement.TryGetProperty("password", out _));
    }

    [Fact]
    public async Task Register_DuplicateId_Returns409()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "duplicate");

        using var again = await stack.Api.PostAsJsonAsync("/api/devices", new { id = device.Id });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("plus+")]
    [InlineData("hash#")]
    [InlineData("x2345678901234567890123456789012345678901234567890123456789012345")]
    public async Task Register_InvalidId_Returns400ProblemDetails(string id)
    {
        using var response = await stack.Api.PostAsJsonAsync("/api/devices", new { id });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Broker_WrongPassword_RefusesLogin()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "wrongpw");

        var result = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"x":1}""", password: "not-the-password");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not authori", result.Error + result.Output, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Get_UnknownDevice_Returns404()
    {
        using var response = await stack.Api.GetAsync($"/api/devices/{DeviceCredentials.NewId("unknown")}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task List_AfterRegistration_ContainsTheDevice()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "list");

        var found = false;
        string? after = null;
        for (var page = 0; page < 100 && !found; page++)
        {
            var url = after is null ? "/api/devices?limit=50" : $"/api/devices?limit=50&after={Uri.EscapeDataString(after)}";
            using var json = JsonDocument.Parse(await stack.Api.GetStringAsync(url));
            var items = json.RootElement.GetProperty("items").EnumerateArray().ToList();
            found = items.Any(item => item.GetProperty("id").GetString() == device.Id);
            after = json.RootElement.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (after is null)
            {
                break;
            }
        }

        Assert.True(found, $"{device.Id} is not in the device list.");
    }

    [Fact]
    public async Task OpenApiDocument_IsServedAnonymously()
    {
        using var response = await stack.Api.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadAsStringAsync();
        Assert.Contains("/api/devices/{id}/telemetry", document, StringComparison.Ordinal);
    }
}
