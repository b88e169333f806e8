using IotAspire.Core;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>The containers mode, run: the smoke through the public ports, with PostgreSQL, Redis and Mosquitto as containers.</summary>
[Collection(ContainersModeCollection.Name)]
[Trait("Category", "Containers")]
public sealed class ContainersModeTests(ContainersModeFixture stack)
{
    [Fact]
    public async Task ContainersMode_Infrastructure_RunsAsContainersWithTheBrokerPlugin()
    {
        foreach (var resource in new[] { "postgres", ResourceNames.Redis, ResourceNames.Mqtt })
        {
            await stack.Engine.ContainerOfAsync(resource);
        }

        var broker = await stack.Engine.TryDockerAsync(["logs", await stack.Engine.ContainerOfAsync(ResourceNames.Mqtt)]);
        Assert.DoesNotContain("WARNING: the iotaspire plugin", broker.Output + broker.Error, StringComparison.Ordinal);
        Assert.Contains("/usr/lib/mosquitto/iotaspire.so", broker.Output + broker.Error, StringComparison.Ordinal);
    }

    [Fact]
    public Task ContainersMode_Telemetry_IsStoredReadBackAndSentLive() => SystemSmoke.TelemetryIsStoredReadBackAndSentLiveAsync(stack.Target);

    [Fact]
    public Task ContainersMode_Shadow_RoundTripsWithTheDevice() => SystemSmoke.ShadowRoundTripsWithTheDeviceAsync(stack.Target);

    [Fact]
    public Task ContainersMode_Command_IsAnsweredByTheDevice() => SystemSmoke.CommandIsAnsweredByTheDeviceAsync(stack.Target);

    [Fact]
    public Task ContainersMode_BrokerContainerRestart_LosesNoAcknowledgedTelemetry() =>
        SystemSmoke.BrokerRestartLosesNoAcknowledgedTelemetryAsync(stack.Target);
}
