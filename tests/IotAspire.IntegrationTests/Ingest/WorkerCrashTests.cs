using System.Diagnostics;
using System.Globalization;
using IotAspire.Core;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Ingest;

[Collection(StackCollection.Name)]
public sealed class WorkerCrashTests(StackFixture stack)
{
    private const int MessageCount = 3000;

    [Fact]
    public async Task KillWorker_WhileDevicePublishesAtQos1_ItComesBackByItselfAndLosesAndDuplicatesNothing()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "crash");
        using var publisher = await SequencePublisher.ConnectAsync(stack, device);
        var oldPid = WorkerPid();
        var killedAt = DateTime.MinValue;

        await publisher.PublishAsync(0, MessageCount, before: i =>
        {
            if (i == MessageCount / 4)
            {
                killedAt = DateTime.UtcNow;
                KillProcess(oldPid);
            }
        });

        // Nobody starts it: the AppHost's supervisor does, as a new process.
        await Faults.ResourceProcesses.WaitForComebackAsync(stack, ResourceNames.DeviceWorker, oldPid, killedAt, TimeSpan.FromMinutes(2));

        var stored = await Eventually.ReturnsAsync(
            () => Database.CountTelemetryAsync(stack, device.Id, "seq"), count => count >= MessageCount, TimeSpan.FromSeconds(90), $"{MessageCount} points stored");
        Assert.Equal(MessageCount, stored);
        await publisher.DisconnectAsync();
    }

    private int WorkerPid()
    {
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(ResourceNames.DeviceWorker, out var state), "no worker state");
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == StackFixture.ExecutablePidProperty)?.Value;
        return Convert.ToInt32(pid, CultureInfo.InvariantCulture);
    }

    /// <summary>SIGKILL to the worker and its launcher: no shutdown code runs, nothing is flushed or acknowledged.</summary>
    private static void KillProcess(int pid)
    {
        Assert.True(pid > 0, "the worker has no process id");
        var tree = ProcessTree.WithDescendants(pid);
        Assert.True(tree.Count > 1, $"the worker's launcher {pid} has no child process");
        foreach (var process in tree.Reverse())
        {
            using var kill = Process.Start("kill", ["-9", process.ToString(CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }
}
