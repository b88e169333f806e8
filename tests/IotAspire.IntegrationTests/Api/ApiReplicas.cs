using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Api;

/// <summary>
/// The Api's replicas (resources api-1 .. api-N behind the gateway). Only for tests about one replica's own state (its
/// connection pool, its death): everything users do goes through the gateway, <see cref="StackFixture.ApiAddress"/>.
/// </summary>
public static class ApiReplicas
{
    public const int Count = 2;

    public static IEnumerable<string> Names => Enumerable.Range(1, Count).Select(ResourceNames.ApiReplica);

    /// <summary>The direct base address of every Api replica.</summary>
    public static IReadOnlyList<Uri> Addresses(StackFixture stack) =>
        Names.Select(name => stack.App.GetEndpoint(name, "http")).ToList();

    /// <summary>The resource id of a running replica (what resource commands and the process id belong to).</summary>
    public static async Task<string> RunningIdAsync(StackFixture stack, string name)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = await stack.App.ResourceNotifications.WaitForResourceAsync(name,
            e => e.Snapshot.State?.Text == KnownResourceStates.Running, timeout.Token);
        return running.ResourceId;
    }
}
