using System.Net.Http.Json;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Security;

/// <summary>
/// Passwords, client secrets and tokens never reach the logs: everything every resource logs (the Api replicas, the
/// worker, the identity provider, the broker...) lands in the stack's log file, which is searched for them.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SecretsInLogsTests(StackFixture stack)
{
    [Fact]
    public async Task Logs_AfterLoginsRegistrationsAndTraffic_ContainNoSecret()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "secrets");
        Assert.Equal(0, (await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"t":1}""")).ExitCode);
        var wrongPassword = "wrong-" + Guid.NewGuid().ToString("N");
        Assert.NotEqual(0, (await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"t":2}""", password: wrongPassword)).ExitCode);
        var token = await stack.Tokens.GetAsync("viewer");
        using var viewer = stack.ApiAs("viewer");
        await viewer.GetAsync($"/api/devices/{device.Id}");
        var rotated = await (await stack.Api.PostAsync($"/api/devices/{device.Id}/credentials", null)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var newPassword = rotated.GetProperty("mqtt").GetProperty("password").GetString()!;
        await Task.Delay(TimeSpan.FromSeconds(2)); // Resource logs reach the file asynchronously.

        string log;
        await using (var file = new FileStream(stack.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(file))
        {
            log = await reader.ReadToEndAsync();
        }

        Assert.Contains(device.Id, log, StringComparison.Ordinal); // The search covers the services' own logs.
        var secrets = new Dictionary<string, string>
        {
            ["admin password"] = stack.AdminPassword,
            ["viewer password"] = stack.ViewerPassword,
            ["service client secret"] = stack.ServiceClientSecret,
            ["device password"] = device.Password,
            ["rotated device password"] = newPassword,
            ["wrong password tried"] = wrongPassword,
            ["access token"] = token,
        };
        Assert.All(secrets, secret => Assert.False(log.Contains(secret.Value, StringComparison.Ordinal), $"the {secret.Key} is in {stack.LogFile}"));
    }
}
