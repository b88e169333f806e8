using System.Net;
using System.Net.Http.Json;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Security;

/// <summary>Who may do what in the Api, with real tokens from the local identity provider.</summary>
[Collection(StackCollection.Name)]
public sealed class AuthorizationTests(StackFixture stack)
{
    public static TheoryData<string, string> EveryOperation => new()
    {
        { "GET", "/api/devices" },
        { "POST", "/api/devices" },
        { "GET", "/api/devices/t-any" },
        { "DELETE", "/api/devices/t-any" },
        { "POST", "/api/devices/t-any/credentials" },
        { "POST", "/api/devices/t-any/reinstate" },
        { "GET", "/api/devices/t-any/telemetry?metric=x" },
        { "GET", "/api/devices/t-any/metrics" },
        { "GET", "/api/devices/t-any/shadow" },
        { "PATCH", "/api/devices/t-any/shadow" },
        { "POST", "/api/devices/t-any/commands/ping" },
        { "POST", "/hubs/devices/negotiate?negotiateVersion=1" },
        { "GET", "/api/anything-not-mapped" },
    };

    [Theory]
    [MemberData(nameof(EveryOperation))]
    public async Task AnyOperation_WithoutToken_Is401ProblemDetails(string method, string path)
    {
        using var response = await stack.AnonymousApi.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwicmVhbG1fYWNjZXNzIjp7InJvbGVzIjpbImlvdC1hZG1pbiJdfX0.")]
    public async Task AnyOperation_ForgedOrUnsignedToken_Is401(string authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/devices");
        request.Headers.TryAddWithoutValidation("Authorization", authorization);

        using var response = await stack.AnonymousApi.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    [InlineData("/openapi/v1.json")]
    public async Task PublicEndpoints_WithoutToken_Are200(string path)
    {
        using var response = await stack.AnonymousApi.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    [InlineData("admin")]
    public async Task Read_AnyRole_IsAllowed(string user)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "authz-read");
        using var api = stack.ApiAs(user);

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/devices?limit=1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/devices/{device.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/devices/{device.Id}/telemetry?metric=x")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/devices/{device.Id}/metrics")).StatusCode);
        // No shadow yet: 404 from the handler, i.e. past authorization.
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"/api/devices/{device.Id}/shadow")).StatusCode);
    }

    [Theory]
    [InlineData("viewer", HttpStatusCode.Forbidden)]
    [InlineData("operator", HttpStatusCode.OK)]
    [InlineData("admin", HttpStatusCode.OK)]
    public async Task PatchDesiredState_ByRole_OperatorsAndAdminsOnly(string user, HttpStatusCode expected)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "authz-patch");
        using var api = stack.ApiAs(user);

        using var response = await api.PatchAsync($"/api/devices/{device.Id}/shadow", JsonContent.Create(new { state = new { desired = new { led = "on" } } }));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.NotFound, (await ApiCalls.GetShadowAsync(stack, device.Id)).Status); // Nothing was written.
        }
    }

    [Fact]
    public async Task Command_ByViewer_Is403()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "authz-command");
        using var api = stack.ApiAs("viewer");

        using var response = await api.PostAsJsonAsync($"/api/devices/{device.Id}/commands/ping", new { timeoutSeconds = 5 });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Command_ByOperator_PassesAuthorization()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "authz-command-op");
        using var api = stack.ApiAs("operator");

        // The device is offline: 404 from the command handler shows the request got past authorization.
        using var response = await api.PostAsJsonAsync($"/api/devices/{device.Id}/commands/ping", new { timeoutSeconds = 5 });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    public async Task DeviceAdministration_ByNonAdmin_Is403AndChangesNothing(string user)
    {
        var existing = await DeviceCredentials.RegisterAsync(stack, "authz-admin");
        var newId = DeviceCredentials.NewId("authz-new");
        using var api = stack.ApiAs(user);

        Assert.Equal(HttpStatusCode.Forbidden, (await api.PostAsJsonAsync("/api/devices", new { id = newId })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.DeleteAsync($"/api/devices/{existing.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.PostAsync($"/api/devices/{existing.Id}/credentials", null)).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await stack.Api.GetAsync($"/api/devices/{newId}")).StatusCode);
        var device = await ApiCalls.GetDeviceAsync(stack, existing.Id);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, device.Body.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task RegisterDevice_ByAdmin_Is201()
    {
        using var api = stack.ApiAs("admin");

        using var response = await api.PostAsJsonAsync("/api/devices", new { id = DeviceCredentials.NewId("authz-admin-ok") });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}
