using System.Text.Json.Nodes;
using IotAspire.Core;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// The system as the manifest deploys it, every service a container from its published image: the same smoke as the
/// other modes, and proof that the run depends on what the manifest says (an entry without one variable fails).
/// </summary>
[Collection(ManifestRunCollection.Name)]
[Trait("Category", "Containers")]
public sealed class ManifestRunTests(ManifestRunFixture stack)
{
    [Fact]
    public Task ManifestRun_Telemetry_IsStoredReadBackAndSentLive() => SystemSmoke.TelemetryIsStoredReadBackAndSentLiveAsync(stack.Target);

    [Fact]
    public Task ManifestRun_Shadow_RoundTripsWithTheDevice() => SystemSmoke.ShadowRoundTripsWithTheDeviceAsync(stack.Target);

    [Fact]
    public Task ManifestRun_Command_IsAnsweredByTheDevice() => SystemSmoke.CommandIsAnsweredByTheDeviceAsync(stack.Target);

    [Fact]
    public Task ManifestRun_BrokerContainerRestart_LosesNoAcknowledgedTelemetry() =>
        SystemSmoke.BrokerRestartLosesNoAcknowledgedTelemetryAsync(stack.Target);

    [Fact]
    public async Task ManifestRun_KilledWorkerProcess_IsStartedAgainByItsRestartPolicy()
    {
        var container = ManifestRunner.ContainerName(ResourceNames.DeviceWorker);
        var readiness = stack.Runner.Expressions.Resource(ResourceNames.DeviceWorker)["probes"]!.AsArray()
            .Single(p => p!["type"]!.GetValue<string>() == "readiness")!;
        var pid = int.Parse((await stack.Engine.DockerAsync("inspect", "-f", "{{.State.Pid}}", container)).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        // A crash, not a stop: the engine restarts a container whose process dies only under "restart": "always".
        using (var process = System.Diagnostics.Process.GetProcessById(pid))
        {
            process.Kill();
        }

        await Infrastructure.Eventually.ReturnsAsync(() => stack.StateAsync(container), s => s.StartsWith("running", StringComparison.Ordinal) && s != "running 0",
            TimeSpan.FromSeconds(30), "the worker container restarted");
        var ready = await stack.ProbeAsync(ResourceNames.DeviceWorker, readiness, container, TimeSpan.FromMinutes(1), o => o.Ready);
        Assert.True(ready.Ready);
    }

    [Fact]
    public async Task ManifestRun_WorkerEntryWithoutItsDatabaseConnectionString_NeverBecomesReady()
    {
        const string Container = "manifest-deviceworker-without-iotdb";
        var entry = (JsonObject)stack.Runner.Expressions.Resource(ResourceNames.DeviceWorker).DeepClone();
        Assert.True(entry["env"]!.AsObject().Remove("ConnectionStrings__iotdb"));
        var readiness = entry["probes"]!.AsArray().Single(p => p!["type"]!.GetValue<string>() == "readiness")!;

        await stack.Runner.StartAsync(ResourceNames.DeviceWorker, entry, ServiceImages.ImageOf(ResourceNames.DeviceWorker), Container);
        try
        {
            // Decided by the first failure (a crash, a restart by its policy) or readiness, whichever comes first.
            var seen = await stack.ProbeAsync(ResourceNames.DeviceWorker, readiness, Container, TimeSpan.FromMinutes(1),
                o => o.Ready || o.State != "running 0");

            Assert.False(seen.Ready, "the worker became ready without ConnectionStrings__iotdb");
            var logs = await stack.Engine.TryDockerAsync(["logs", Container]);
            Assert.Contains("iotdb", logs.Output + logs.Error, StringComparison.Ordinal);
        }
        finally
        {
            await stack.Engine.TryDockerAsync(["rm", "-f", Container]);
        }

        // The manifest's own entry, beside it, is ready: the difference is the one variable.
        var healthy = await stack.ProbeAsync(ResourceNames.DeviceWorker, readiness, ManifestRunner.ContainerName(ResourceNames.DeviceWorker),
            TimeSpan.FromSeconds(30), o => o.Ready);
        Assert.True(healthy.Ready);
    }
}
