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

        // Resource logs reach the file asynchronously. The last step, a login with the rotated password, is logged by the
        // broker: once its line is there, what came before it has been written too (the control is not an earlier line).
        var mentionsBefore = Mentions(await ReadLogAsync(), device.Id);
        Assert.Equal(0, (await MosquittoCli.PublishAsync(stack, device with { Password = newPassword }, $"devices/{device.Id}/telemetry", """{"t":3}""")).ExitCode);
        var log = await Eventually.ReturnsAsync(ReadLogAsync, text => Mentions(text, device.Id) > mentionsBefore,
            TimeSpan.FromSeconds(20), "the broker's log line of the last login");
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

    private async Task<string> ReadLogAsync()
    {
        await using var file = new FileStream(stack.LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(file);
        return await reader.ReadToEndAsync();
    }

    private static int Mentions(string log, string text)
    {
        var count = 0;
        for (var at = log.IndexOf(text, StringComparison.Ordinal); at >= 0; at = log.IndexOf(text, at + text.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
