using Aspire.Hosting;
using IotAspire.Core;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace IotAspire.IntegrationTests.Ingest;

/// <summary>
/// The database refuses every write for a reason of its own (here: the table is gone), not because of any message:
/// nothing may be dead-lettered, the worker says it is unhealthy, and everything is stored once the table is back.
/// On a stack of its own: the other tests need the table.
/// </summary>
[Collection(DisruptedStackCollection.Name)]
public sealed class SystemicDatabaseErrorTests(StackFixture stack)
{
    private const int Before = 50;
    private const int During = 200;

    [Fact]
    public async Task TelemetryTableMissing_WhileDevicePublishes_NothingDeadLetteredWorkerUnhealthyAllStoredAfter()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "systemic");
        using var publisher = await SequencePublisher.ConnectAsync(stack, device);
        await publisher.PublishAsync(0, Before);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "seq"), count => count == Before,
            TimeSpan.FromSeconds(30), "the first messages stored");

        await ExecuteAsync("ALTER TABLE telemetry RENAME TO telemetry_hidden");
        try
        {
            await publisher.PublishAsync(Before, During);
            using var unhealthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await stack.App.ResourceNotifications.WaitForResourceAsync(ResourceNames.DeviceWorker,
                e => e.Snapshot.HealthStatus == HealthStatus.Unhealthy, unhealthy.Token);
            Assert.Empty(await Database.DeadLettersAsync(stack, device.Id));
        }
        finally
        {
            await ExecuteAsync("ALTER TABLE telemetry_hidden RENAME TO telemetry");
        }

        var stored = await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "seq"), count => count >= Before + During,
            TimeSpan.FromSeconds(60), "every message stored once the table is back");
        Assert.Equal(Before + During, stored);
        Assert.Empty(await Database.DeadLettersAsync(stack, device.Id));
        using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.DeviceWorker, healthy.Token);
        await publisher.DisconnectAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(stack.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
