using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Faults;

/// <summary>A resource's processes as the operating system sees them, and signals sent to them from outside.</summary>
public static class ResourceProcesses
{
    /// <summary>The process id of one instance of a resource (by resource name, or by replica id such as "api-abcd").</summary>
    public static int Pid(StackFixture stack, string resourceOrReplica)
    {
        var state = Current(stack, resourceOrReplica);
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == StackFixture.ExecutablePidProperty)?.Value;
        var value = Convert.ToInt32(pid, CultureInfo.InvariantCulture);
        Assert.True(value > 0, $"{resourceOrReplica} has no process id");
        return value;
    }

    /// <summary>Sends <paramref name="signal"/> (KILL, TERM, STOP, CONT) to the resource's process and every process under it.</summary>
    public static void Signal(StackFixture stack, string resourceOrReplica, string signal)
    {
        var tree = ProcessTree.WithDescendants(Pid(stack, resourceOrReplica));
        // Children first, so that a launcher never sees its child's death before it dies itself.
        foreach (var process in tree.Reverse())
        {
            using var kill = Process.Start("kill", [$"-{signal}", process.ToString(CultureInfo.InvariantCulture)])!;
            kill.WaitForExit();
        }
    }

    /// <summary>Waits until the instance runs as a new process (not <paramref name="oldPid"/>) and is healthy: it came back by itself.</summary>
    public static async Task<TimeSpan> WaitForComebackAsync(StackFixture stack, string resourceOrReplica, int oldPid, DateTime since, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var resource = Current(stack, resourceOrReplica).Resource.Name;
        await stack.App.ResourceNotifications.WaitForResourceAsync(resource, e =>
                e.ResourceId == Current(stack, resourceOrReplica).ResourceId
                && e.Snapshot.State?.Text == KnownResourceStates.Running
                && e.Snapshot.HealthStatus is null or Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                && e.Snapshot.Properties.FirstOrDefault(p => p.Name == StackFixture.ExecutablePidProperty)?.Value is { } pid
                && Convert.ToInt32(pid, CultureInfo.InvariantCulture) != oldPid,
            cancellation.Token);
        return DateTime.UtcNow - since;
    }

    private static ResourceEvent Current(StackFixture stack, string resourceOrReplica)
    {
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(resourceOrReplica, out var state), $"no state for {resourceOrReplica}");
        return state;
    }
}
