using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.IntegrationTests.Infrastructure;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.IntegrationTests.Devices;

/// <summary>
/// Someone who extracted the fleet claim from a device floods provisioning requests for fresh ids from one
/// connection. On a stack of its own: the flood uses up the provisioning budget, which would refuse other tests' claims.
/// </summary>
[Collection(DisruptedStackCollection.Name)]
public sealed class ProvisioningFloodTests(StackFixture stack)
{
    private const int Requests = 600;

    [Fact]
    public async Task ClaimFlood_FromOneConnection_BeyondTheBudgetIsRefused429AndTelemetryGoesOn()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "during-flood");
        using var publisher = await SequencePublisher.ConnectAsync(stack, device);
        var prefix = DeviceCredentials.NewId("flood") + "-";
        var answers = new ConcurrentDictionary<string, int>();
        using var claim = new MqttClientFactory().CreateMqttClient();
        claim.ApplicationMessageReceivedAsync += e =>
        {
            var answer = JsonNode.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload))!;
            var code = answer["status"]!.GetValue<string>() == "accepted" ? 200 : answer["code"]!.GetValue<int>();
            answers[ProvisioningTopics.SegmentOf(e.ApplicationMessage.Topic.Replace("/response", "/request", StringComparison.Ordinal))!] = code;
            return Task.CompletedTask;
        };
        await claim.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer(stack.Broker.Host, stack.Broker.Port)
            .WithCredentials(ServiceAccounts.FleetClaimUsername, stack.FleetClaimPassword)
            .WithClientId(prefix + "attacker")
            .Build());
        await claim.SubscribeAsync(ProvisioningTopics.ResponseFilter, MqttQualityOfServiceLevel.AtLeastOnce);

        var started = DateTime.UtcNow;
        var flood = Task.Run(async () =>
        {
            for (var i = 0; i < Requests; i++)
            {
                await claim.PublishAsync(new MqttApplicationMessageBuilder()
                    .WithTopic(ProvisioningTopics.Request($"{prefix}{i}"))
                    .WithPayload($$"""{"password":"flood-password-{{i:D8}}"}""")
                    .Build());
            }
        });
        // A device of the fleet goes on sending while the flood is handled; each message is acknowledged by the broker.
        await publisher.PublishAsync(0, 20, _ => Thread.Sleep(100));
        await flood;
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "seq"), count => count == 20,
            TimeSpan.FromSeconds(15), "the device's telemetry stored during the flood");

        await Eventually.ReturnsAsync(() => Task.FromResult(answers.Count), count => count == Requests, TimeSpan.FromSeconds(60), "every request answered");
        var elapsed = (DateTime.UtcNow - started).TotalSeconds;
        var accepted = answers.Values.Count(code => code == 200);
        var refused = answers.Values.Count(code => code == 429);
        Assert.Equal(Requests, accepted + refused);
        // The default budget: a burst of 100, then 20 a second; everything beyond it is refused (how much that is depends
        // on how fast this machine gets through the flood, so the bound is computed from the time it took).
        Assert.InRange(accepted, 1, 100 + (20 * elapsed) + 5);
        Assert.True(refused >= Requests - (100 + (20 * elapsed) + 5), $"{refused} of {Requests} refused in {elapsed:0.0} s");
        await claim.DisconnectAsync();
        await publisher.DisconnectAsync();
    }
}
