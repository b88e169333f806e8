using System.Diagnostics;
using System.Text;
using IotAspire.Core.Mqtt;
using IotAspire.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace IotAspire.UnitTests.Core;

/// <summary>The shared connection's back-off, and its reconnect and resubscribe against a real mosquitto that the test stops and starts.</summary>
public sealed class ResilientMqttClientTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void Backoff_Service_StartsShort_DoublesUpToItsCap_WithJitterOnTop()
    {
        var backoff = MqttReconnectBackoff.Service(TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromMilliseconds(250), backoff.Planned(1));
        Assert.Equal(TimeSpan.FromMilliseconds(500), backoff.Planned(2));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Planned(3));
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Planned(50));
        var random = new Random(7);
        for (var failures = 1; failures < 10; failures++)
        {
            var next = backoff.Next(failures, random);
            Assert.InRange(next, backoff.Planned(failures), backoff.Planned(failures) + TimeSpan.FromMilliseconds(250));
        }
    }

    [Fact]
    public void Backoff_Spread_StaysWithinItsShareOfThePlannedWait()
    {
        var backoff = new MqttReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Spread: 0.2);
        var random = new Random(11);

        Assert.Equal(TimeSpan.FromSeconds(30), backoff.Planned(10));
        for (var i = 0; i < 100; i++)
        {
            Assert.InRange(backoff.Next(1, random), TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(1.2));
            Assert.InRange(backoff.Next(10, random), TimeSpan.FromSeconds(24), TimeSpan.FromSeconds(36));
        }
    }

    [Fact]
    public async Task EnsureConnected_NoBroker_ThrowsAndSaysWhy()
    {
        var port = LoopbackPorts.Free();
        await using var connection = new ResilientMqttClient("test", () => Options(port, "ensure"), MqttReconnectBackoff.Service(TimeSpan.FromSeconds(1)), NullLogger.Instance);

        await Assert.ThrowsAnyAsync<Exception>(() => connection.EnsureConnectedAsync(CancellationToken.None));

        Assert.False(connection.IsReady);
        Assert.NotNull(connection.Problem);
    }

    [Fact]
    public async Task Run_BrokerRestarts_ReconnectsAndSubscribesAgain()
    {
        var port = LoopbackPorts.Free();
        var connects = 0;
        var received = new List<string>();
        ResilientMqttClient? self = null;
        await using var connection = self = new ResilientMqttClient(
            "test", () => Options(port, "resilient-test"), MqttReconnectBackoff.Service(TimeSpan.FromSeconds(1)), NullLogger.Instance)
        {
            Connected = async (_, cancellationToken) =>
            {
                Interlocked.Increment(ref connects);
                await self!.SubscribeAsync(
                    new MqttClientSubscribeOptionsBuilder().WithTopicFilter("t/#", MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
            },
        };
        connection.Client.ApplicationMessageReceivedAsync += e =>
        {
            lock (received)
            {
                received.Add(e.ApplicationMessage.ConvertPayloadToString());
            }

            return Task.CompletedTask;
        };
        using var stop = new CancellationTokenSource();
        var broker = Mosquitto.Start(port);
        Task running;
        try
        {
            running = connection.RunAsync(stop.Token);
            await WaitForAsync(() => connection.IsReady);
            Assert.Null(connection.Problem);
            await PublishAsync(port, "before");
            await WaitForAsync(() => Count(received, "before") == 1);
        }
        finally
        {
            broker.Dispose(); // kill -9: no session, no subscription survives (persistence is off).
        }

        // Not ready, and says why (set just after the link drops, so both are waited for).
        await WaitForAsync(() => !connection.IsReady && connection.Problem is not null);

        using (Mosquitto.Start(port))
        {
            await WaitForAsync(() => connection.IsReady);
            Assert.Equal(2, Volatile.Read(ref connects));
            await PublishAsync(port, "after");
            await WaitForAsync(() => Count(received, "after") == 1);

            await stop.CancelAsync();
            await running.WaitAsync(Patience);
            await connection.DisconnectAsync();
            Assert.Equal("stopped", connection.Problem);
            Assert.False(connection.Client.IsConnected);
        }
    }

    [Fact]
    public async Task Connect_ConnectedCallbackFails_DropsTheLinkAndTriesAgain()
    {
        var port = LoopbackPorts.Free();
        var attempts = 0;
        var failures = new List<Exception>();
        using var broker = Mosquitto.Start(port);
        await using var connection = new ResilientMqttClient(
            "test", () => Options(port, "retry-test"), new MqttReconnectBackoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100)), NullLogger.Instance)
        {
            Connected = (_, _) => Interlocked.Increment(ref attempts) == 1
                ? throw new InvalidOperationException("first subscription refused")
                : Task.CompletedTask,
            ConnectFailed = failures.Add,
        };

        await connection.ConnectAsync(CancellationToken.None).WaitAsync(Patience);

        Assert.True(connection.IsReady);
        Assert.Equal(2, attempts);
        Assert.Equal("first subscription refused", Assert.Single(failures).Message);
    }

    [Fact]
    public void TraceContext_WrittenByOneSide_IsReadByTheOther()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";

        var message = new MqttApplicationMessageBuilder().WithTopic("t").WithTraceContext(activity).Build();
        var parent = MqttTraceContext.ParentOf(message);

        Assert.Equal(activity.TraceId, parent.TraceId);
        Assert.Equal(activity.SpanId, parent.SpanId);
        Assert.Equal("vendor=1", parent.TraceState);
        Assert.Equal(default, MqttTraceContext.ParentOf(new MqttApplicationMessageBuilder().WithTopic("t").Build()));
    }

    private static MqttClientOptions Options(int port, string clientId) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", port)
        .WithProtocolVersion(MqttProtocolVersion.V500)
        .WithClientId(clientId)
        .WithCleanStart()
        .WithTimeout(TimeSpan.FromSeconds(2))
        .Build();

    private static async Task PublishAsync(int port, string payload)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(port, "publisher-" + payload));
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("t/x").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync();
    }

    private static int Count(List<string> received, string payload)
    {
        lock (received)
        {
            return received.Count(p => p == payload);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(deadline.Elapsed < Patience, "timed out waiting");
            await Task.Delay(20);
        }
    }

    /// <summary>A throw-away mosquitto on a loopback port (anonymous, no persistence); disposing kills it.</summary>
    private sealed class Mosquitto : IDisposable
    {
        private readonly Process _process;
        private readonly string _config;

        private Mosquitto(Process process, string config)
        {
            _process = process;
            _config = config;
        }

        public static Mosquitto Start(int port)
        {
            var config = Path.Combine(Path.GetTempPath(), $"resilient-mqtt-{port}-{Guid.NewGuid():N}.conf");
            File.WriteAllText(config, $"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n", Encoding.ASCII);
            var process = Process.Start(new ProcessStartInfo(File.Exists("/usr/sbin/mosquitto") ? "/usr/sbin/mosquitto" : "mosquitto", ["-c", config]))
                ?? throw new InvalidOperationException("mosquitto did not start");
            var deadline = Stopwatch.StartNew();
            while (!LoopbackPorts.IsListening(port))
            {
                if (process.HasExited || deadline.Elapsed > Patience)
                {
                    throw new InvalidOperationException($"mosquitto did not listen on {port} (exited: {process.HasExited})");
                }

                Thread.Sleep(20);
            }

            return new Mosquitto(process, config);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit();
            }

            _process.Dispose();
            File.Delete(_config);
        }
    }
}
