using System.Diagnostics;
using IotAspire.Core;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Faults;
using IotAspire.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace IotAspire.IntegrationTests.Realtime;

/// <summary>An Api replica dies under its hub clients: through the gateway they reconnect to the other one and receive again.</summary>
[Collection(DisruptedStackCollection.Name)]
public sealed class HubReplicaKilledTests(StackFixture stack, ITestOutputHelper output)
{
    private const int Clients = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task ApiReplica_KilledUnderItsClients_TheyReconnectAndReceiveNewEventsWithinTenSeconds()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "hub-kill");
        var clients = new List<HubClient>();
        var reconnected = new List<bool>(new bool[Clients]);
        try
        {
            for (var i = 0; i < Clients; i++)
            {
                var client = await HubClient.ConnectAsync(stack, stack.ApiAddress);
                var index = i;
                // The documented pattern: a new connection has no groups, so subscribe again after a reconnect.
                client.Connection.Reconnected += async _ =>
                {
                    await client.Connection.InvokeAsync("Subscribe", device.Id);
                    reconnected[index] = true;
                };
                await client.Connection.InvokeAsync("Subscribe", device.Id);
                clients.Add(client);
            }

            Assert.Equal(ApiReplicas.Count, clients.Select(c => c.Replica).Distinct().Count()); // Some on each replica.
            var victim = ResourceNames.ApiReplica(1);
            var oldPid = ResourceProcesses.Pid(stack, victim);
            var clock = Stopwatch.StartNew();
            ResourceProcesses.Signal(stack, victim, "KILL");

            // Changes keep coming, as a live system's would; the device's shadow had none before the kill, so any event of
            // it was made after. A change may fail while the gateway learns of the death: the next one is sent regardless.
            var missing = clients.ToList();
            while (missing.Count > 0 && clock.Elapsed < Deadline)
            {
                await ApiCalls.PatchShadowAsync(stack, device.Id, """{"state":{"desired":{"tick":""" + clock.ElapsedMilliseconds + "}}}");
                await Task.Delay(200);
                missing = clients.Where(c => !c.Received.Any(e => e.DeviceId == device.Id && e.Method == "shadow")).ToList();
            }

            output.WriteLine($"every client received a change made after the kill within {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(missing.Count == 0, $"{missing.Count} of {Clients} clients received nothing new within {Deadline.TotalSeconds} s of the kill");
            Assert.Contains(true, reconnected); // The victim's clients did lose their connection, and came back.
            Assert.Equal(HubConnectionState.Connected, Assert.Single(clients.Select(c => c.Connection.State).Distinct()));

            // Leave the stack whole for the next tests: the AppHost restarts what died.
            await ResourceProcesses.WaitForComebackAsync(stack, victim, oldPid, DateTime.UtcNow, TimeSpan.FromSeconds(90));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
