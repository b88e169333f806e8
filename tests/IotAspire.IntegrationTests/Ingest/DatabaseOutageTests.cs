using Aspire.Hosting.ApplicationModel;
using System.Net;
using IotAspire.Core;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using Npgsql;

namespace IotAspire.IntegrationTests.Ingest;

/// <summary>
/// PostgreSQL stops while a device publishes: the worker holds what it cannot commit and stores it all later, and the
/// Api's readers do not notice the restart once the database is back.
/// </summary>
[Collection(DisruptedStackCollection.Name)]
public sealed class DatabaseOutageTests(StackFixture stack)
{
    private const string Postgres = "postgres";
    private const int BeforeOutage = 100;

    // More than the worker's in-flight limit in the tests (256) plus MQTTnet's queue (Receive Maximum, 1,000): the
    // worker stops reading its socket during the outage, and the rest waits in the broker.
    private const int DuringOutage = 2000;

    [Fact]
    public async Task DatabaseDown_WhileDevicePublishes_EverythingStoredOnceWhenItReturns()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "outage");
        using var publisher = await SequencePublisher.ConnectAsync(stack, device);

        await publisher.PublishAsync(0, BeforeOutage);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "seq"), count => count == BeforeOutage,
            TimeSpan.FromSeconds(30), "the first messages stored");

        // Each Api replica reads once, so that its pool holds a connection the restart will kill.
        var replicas = ApiReplicas.Addresses(stack);
        var readers = replicas.Select(address => stack.Tokens.ClientFor(address, "admin")).ToList();
        await AssertEveryReplicaReadsAsync(readers, device.Id);

        await ExecuteAsync(KnownResourceCommands.StopCommand);
        try
        {
            await publisher.PublishAsync(BeforeOutage, DuringOutage); // The broker takes them: it is up.
            // The worker noticed and holds what it cannot commit: its readiness says so (check "processing").
            using var unhealthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await stack.App.ResourceNotifications.WaitForResourceAsync(ResourceNames.DeviceWorker,
                e => e.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy, unhealthy.Token);
            // Stopped on purpose, it stays stopped: the AppHost restarts only what dies on its own.
            Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(Postgres, out var stopped));
            Assert.NotEqual(KnownResourceStates.Running, stopped.Snapshot.State?.Text);
        }
        finally
        {
            await ExecuteAsync(KnownResourceCommands.StartCommand);
        }

        // Back up: a reader meets its replica's dead pooled connection, and the Api reads again on a fresh one.
        await AssertEveryReplicaReadsAsync(readers, device.Id);

        var total = BeforeOutage + DuringOutage;
        var stored = await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "seq"), count => count >= total,
            TimeSpan.FromSeconds(120), $"{total} points stored after the outage");
        Assert.Equal(total, stored); // The primary key would refuse a duplicate; equal means none lost either.
        using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.DeviceWorker, healthy.Token);
        await publisher.DisconnectAsync();
    }

    private static async Task AssertEveryReplicaReadsAsync(IEnumerable<HttpClient> readers, string deviceId)
    {
        foreach (var reader in readers)
        {
            using var response = await reader.GetAsync($"/api/devices/{deviceId}/telemetry?metric=seq&interval=1h");
            Assert.True(response.StatusCode == HttpStatusCode.OK,
                $"{reader.BaseAddress} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private async Task ExecuteAsync(string command)
    {
        var result = await stack.App.ResourceCommands.ExecuteCommandAsync(Postgres, command);
        Assert.True(result.Success, $"{command} {Postgres}: {result.Message}");
        if (command == KnownResourceCommands.StartCommand)
        {
            using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(Postgres, healthy.Token);
            NpgsqlConnection.ClearAllPools(); // This test's own pooled connections died with the server.
        }
    }
}
