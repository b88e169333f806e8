using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using IotAspire.Core;
using IotAspire.IntegrationTests.Api;
using IotAspire.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace IotAspire.IntegrationTests.Faults;

/// <summary>
/// The fault campaign, from outside: devices publish numbered QoS 1 messages while a part of the stack is killed,
/// stopped or overloaded; afterwards what the devices were told is stored must be stored, exactly once, and what died
/// must have come back by itself. On a stack of its own. Each row goes to logs/faults-*.jsonl for the README's table.
/// </summary>
[Collection(DisruptedStackCollection.Name)]
public sealed class FaultSuiteTests(StackFixture stack, ITestOutputHelper output)
{
    private static readonly TimeSpan ComebackTimeout = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task Broker_KilledMidStream_EveryAcknowledgedMessageStoredAndItComesBack(string signal)
    {
        var record = await PublishThroughAsync($"broker SIG{signal}", ResourceNames.Mqtt, signal);

        Assert.Equal(record.Acknowledged, record.Stored);
    }

    [Fact]
    public async Task Worker_Killed_EveryAcknowledgedMessageStoredAndItComesBack()
    {
        var record = await PublishThroughAsync("worker SIGKILL", ResourceNames.DeviceWorker, "KILL");

        Assert.Equal(record.Acknowledged, record.Stored);
    }

    [Fact]
    public async Task Worker_Frozen20Seconds_EveryAcknowledgedMessageStored()
    {
        var record = await PublishThroughAsync("worker SIGSTOP 20 s", ResourceNames.DeviceWorker, "STOP", frozenFor: TimeSpan.FromSeconds(20));

        Assert.Equal(record.Acknowledged, record.Stored);
    }

    [Fact]
    public async Task Database_Killed_EveryAcknowledgedMessageStoredAndItComesBack()
    {
        var record = await PublishThroughAsync("PostgreSQL SIGKILL", "postgres", "KILL");

        Assert.Equal(record.Acknowledged, record.Stored);
    }

    [Fact]
    public async Task ApiReplica_Killed_ItComesBackAndIngestIsUntouched()
    {
        var replica = await ApiReplicas.RunningIdAsync(stack, ResourceNames.ApiReplica(1));

        var record = await PublishThroughAsync("one Api replica SIGKILL", replica, "KILL");

        Assert.Equal(record.Acknowledged, record.Stored);
    }

    [Theory]
    [InlineData("archiver")]
    [InlineData("dashboard")]
    [InlineData("identity")]
    public async Task Service_Killed_ComesBackByItself(string resource)
    {
        // The test stacks start the Archiver only when a test means to (it would export other tests' days): so here.
        var startedHere = await StartIfWaitingAsync(resource);
        var oldPid = ResourceProcesses.Pid(stack, resource);
        var killed = DateTime.UtcNow;

        ResourceProcesses.Signal(stack, resource, "KILL");

        var cameBack = await ResourceProcesses.WaitForComebackAsync(stack, resource, oldPid, killed, ComebackTimeout);
        new FaultRecord($"{resource} SIGKILL", 0, 0, cameBack.TotalSeconds, 0, 0, "").Save(output);
        if (startedHere)
        {
            await stack.App.ResourceCommands.ExecuteCommandAsync(resource, Aspire.Hosting.ApplicationModel.KnownResourceCommands.StopCommand);
        }
    }

    private async Task<bool> StartIfWaitingAsync(string resource)
    {
        Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(resource, out var state), $"no state for {resource}");
        if (state.Snapshot.State?.Text == Aspire.Hosting.ApplicationModel.KnownResourceStates.Running)
        {
            return false;
        }

        var started = await stack.App.ResourceCommands.ExecuteCommandAsync(resource, Aspire.Hosting.ApplicationModel.KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        using var healthy = new CancellationTokenSource(ComebackTimeout);
        await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, healthy.Token);
        return true;
    }

    [Fact]
    public async Task Redis_Killed_EveryAcceptedShadowUpdateKeptAndNoAnswerIs500OrSlow()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "fault-redis");
        var oldPid = ResourceProcesses.Pid(stack, ResourceNames.Redis);
        var answers = new List<(HttpStatusCode Status, TimeSpan Took, bool RetryAfter)>();
        using var updates = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; !updates.IsCancellationRequested; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await stack.Api.PatchAsJsonAsync($"/api/devices/{device.Id}/shadow", new { state = new { desired = new { step = i } } });
                answers.Add((response.StatusCode, clock.Elapsed, response.Headers.RetryAfter is not null));
                await Task.Delay(20);
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(2));

        var killed = DateTime.UtcNow;
        ResourceProcesses.Signal(stack, ResourceNames.Redis, "KILL");
        var cameBack = await ResourceProcesses.WaitForComebackAsync(stack, ResourceNames.Redis, oldPid, killed, ComebackTimeout);
        // Accepted again after Redis is back.
        await Eventually.ReturnsAsync(() => Task.FromResult(answers.Skip(Math.Max(0, answers.Count - 3)).All(a => a.Status == HttpStatusCode.OK) && answers.Count > 3),
            done => done, TimeSpan.FromSeconds(30), "updates accepted again");
        await updates.CancelAsync();
        await writer;

        var accepted = answers.Count(a => a.Status == HttpStatusCode.OK);
        using var read = await stack.Api.GetAsync($"/api/devices/{device.Id}/shadow");
        var version = (await read.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("version").GetInt64();
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
        new FaultRecord("Redis SIGKILL (shadow updates)", accepted, version, cameBack.TotalSeconds, 0, 0,
            $"{refused.Count} answered 503 during the outage, slowest answer {answers.Max(a => a.Took).TotalMilliseconds:F0} ms").Save(output);

        Assert.Equal(accepted, version);
        Assert.All(refused, a => Assert.True(a.Status == HttpStatusCode.ServiceUnavailable && a.RetryAfter, $"answered {(int)a.Status}"));
        Assert.All(answers, a => Assert.True(a.Took < TimeSpan.FromSeconds(5), $"an answer took {a.Took.TotalSeconds:F1} s"));
    }

    [Fact]
    public async Task Burst_50000MessagesFrom100Devices_AllStored()
    {
        const int devices = 100;
        const int perDevice = 500;
        var credentials = await Task.WhenAll(Enumerable.Range(0, devices).Select(_ => DeviceCredentials.RegisterAsync(stack, "fault-burst")));
        var publishers = credentials.Select(device => new ReconnectingPublisher(stack, device)).ToList();

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(publishers.Select(p => p.RunAsync(0, perDevice, TimeSpan.Zero, CancellationToken.None)));
        var published = clock.Elapsed;
        var record = await RecordAsync($"{devices * perDevice:N0} messages from {devices} devices in {published.TotalSeconds:F1} s", publishers, TimeSpan.Zero);
        publishers.ForEach(p => p.Dispose());

        Assert.Equal(devices * perDevice, record.Acknowledged);
        Assert.Equal(record.Acknowledged, record.Stored);
    }

    /// <summary>
    /// Four devices publish 600 numbered messages each; a third of the way in, <paramref name="signal"/> goes to the
    /// resource's processes (SIGSTOP is lifted after <paramref name="frozenFor"/>). Waits for the resource to come back by
    /// itself (a new process, healthy) and for the devices to finish; then counts.
    /// </summary>
    private async Task<FaultRecord> PublishThroughAsync(string fault, string resource, string signal, TimeSpan? frozenFor = null)
    {
        const int devices = 4;
        const int perDevice = 600;
        var credentials = await Task.WhenAll(Enumerable.Range(0, devices).Select(_ => DeviceCredentials.RegisterAsync(stack, "fault")));
        var publishers = credentials.Select(device => new ReconnectingPublisher(stack, device)).ToList();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var oldPid = ResourceProcesses.Pid(stack, resource);

        var publishing = publishers.Select(p => p.RunAsync(0, perDevice, TimeSpan.FromMilliseconds(5), timeout.Token)).ToList();
        await Eventually.ReturnsAsync(() => Task.FromResult(publishers.Sum(p => p.Acknowledged)), n => n >= devices * perDevice / 3,
            TimeSpan.FromSeconds(60), "a third of the messages acknowledged");
        var injected = DateTime.UtcNow;
        ResourceProcesses.Signal(stack, resource, signal);
        var flowingAgain = FlowingAgainAsync(publishers, injected);
        TimeSpan cameBack;
        if (frozenFor is { } frozen)
        {
            await Task.Delay(frozen);
            ResourceProcesses.Signal(stack, resource, "CONT");
            cameBack = DateTime.UtcNow - injected;
        }
        else
        {
            cameBack = await ResourceProcesses.WaitForComebackAsync(stack, resource, oldPid, injected, ComebackTimeout);
        }

        await Task.WhenAll(publishing);
        var record = await RecordAsync(fault, publishers, cameBack, await flowingAgain);
        publishers.ForEach(p => p.Dispose());
        return record;
    }

    /// <summary>How long after the fault every device had a message acknowledged again.</summary>
    private static async Task<TimeSpan> FlowingAgainAsync(IReadOnlyList<ReconnectingPublisher> publishers, DateTime since)
    {
        // Give the fault a moment to show: acknowledgements of messages already on their way do not count.
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var after = DateTime.UtcNow;
        while (publishers.Any(p => p.LastAcknowledged < after) && DateTime.UtcNow - after < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(20);
        }

        return publishers.Max(p => p.LastAcknowledged) - since;
    }

    private async Task<FaultRecord> RecordAsync(string fault, IReadOnlyList<ReconnectingPublisher> publishers, TimeSpan cameBack, TimeSpan flowingAgain = default)
    {
        var acknowledged = publishers.Sum(p => (long)p.Acknowledged);
        var clock = Stopwatch.StartNew();
        var stored = await Eventually.ReturnsAsync(
            () => Database.CountTelemetryAsync(stack, publishers.Select(p => p.DeviceId).ToList(), "seq"),
            count => count >= acknowledged, TimeSpan.FromSeconds(120), $"{acknowledged} acknowledged messages stored");
        return new FaultRecord(fault, acknowledged, stored, cameBack.TotalSeconds, flowingAgain.TotalSeconds, clock.Elapsed.TotalSeconds,
            $"{publishers.Sum(p => p.Connects) - publishers.Count} device reconnects").Save(output);
    }
}
