using System.Diagnostics;
using System.Net;
using System.Text.Json;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace IotAspire.IntegrationTests.Realtime;

/// <summary>
/// The hub at the public address (the gateway over two Api replicas), with standard clients in their default settings:
/// negotiate and connection must reach the same replica, for every transport.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class HubThroughGatewayTests(StackFixture stack)
{
    private const int ConnectionsPerTransport = 50;

    [Theory]
    [InlineData(HttpTransportType.WebSockets)]
    [InlineData(HttpTransportType.ServerSentEvents)]
    [InlineData(HttpTransportType.LongPolling)]
    public async Task DotNetClient_FiftyConsecutiveConnections_AllSucceedOnBothReplicas(HttpTransportType transport)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-conn");
        var failures = new List<string>();
        var replicas = new HashSet<string?>();
        for (var attempt = 0; attempt < ConnectionsPerTransport; attempt++)
        {
            try
            {
                await using var client = await HubClient.ConnectAsync(stack, stack.ApiAddress, transport: transport);
                await client.Connection.InvokeAsync("Subscribe", device.Id); // A round trip on the connection itself.
                replicas.Add(client.Replica);
            }
            catch (Exception ex)
            {
                failures.Add(ex.Message);
            }
        }

        Assert.Empty(failures);
        // Spread over both: without affinity, every other connection would have failed.
        Assert.Equal(ApiReplicas.Count, replicas.Count(r => r is not null));
    }

    [Fact]
    public async Task JavaScriptClient_FiftyConnectionsPerTransportThenAnEvent_AllSucceed()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-js");
        var script = await NodeHubClient.PrepareAsync();
        var start = new ProcessStartInfo("node", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        start.Environment["HUB_URL"] = new Uri(stack.ApiAddress, "/hubs/devices").ToString();
        start.Environment["TOKEN"] = await stack.Tokens.GetAsync("viewer");
        start.Environment["DEVICE"] = device.Id;
        start.Environment["COUNT"] = ConnectionsPerTransport.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var node = Process.Start(start)!;
        var errors = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            var transports = new List<JsonElement>();
            string? line;
            while ((line = await node.StandardOutput.ReadLineAsync(timeout.Token)) is not null && line != "subscribed")
            {
                transports.Add(JsonDocument.Parse(line).RootElement);
            }

            Assert.Equal(["WebSockets", "ServerSentEvents", "LongPolling"], transports.Select(t => t.GetProperty("transport").GetString()));
            Assert.All(transports, t => Assert.True(t.GetProperty("failed").GetInt32() == 0 && t.GetProperty("succeeded").GetInt32() == ConnectionsPerTransport,
                $"{t}"));
            Assert.Equal("subscribed", line);

            Assert.Equal(HttpStatusCode.OK, (await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"js":1}}}""")).Status);
            var eventLine = await node.StandardOutput.ReadLineAsync(timeout.Token);
            Assert.True(eventLine?.StartsWith("event ", StringComparison.Ordinal), $"{eventLine} {await errors}");
            var shadow = JsonDocument.Parse(eventLine!["event ".Length..]).RootElement;
            Assert.Equal(device.Id, shadow.GetProperty("deviceId").GetString());
            Assert.Equal(1, shadow.GetProperty("version").GetInt64());
            await node.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, node.ExitCode);
        }
        finally
        {
            if (!node.HasExited)
            {
                node.Kill();
            }
        }
    }
}
