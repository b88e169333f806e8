using System.Net;
using System.Security.Cryptography.X509Certificates;
using IotAspire.DeviceWorker.Mqtt;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace IotAspire.UnitTests.Worker;

public class MqttDeliveryGateTests
{
    private readonly EndlessBroker _broker = new();

    private IMqttChannelAdapter Connect(MqttDeliveryGate gate) =>
        gate.CreateClientAdapter(new MqttClientOptions(), null!, new MqttNetNullLogger());

    [Fact]
    public async Task ReceivePacketAsync_QueueFull_StopsReadingUntilAMessageIsTaken()
    {
        var gate = new MqttDeliveryGate(capacity: 3, _broker);
        var adapter = Connect(gate);
        for (var i = 0; i < 3; i++)
        {
            Assert.IsType<MqttPublishPacket>(await adapter.ReceivePacketAsync(CancellationToken.None));
        }

        var fourth = adapter.ReceivePacketAsync(CancellationToken.None);
        await Task.Delay(100);
        Assert.False(fourth.IsCompleted); // The broker would send more; the socket is left unread.
        Assert.Equal(4, _broker.Read);   // Only the packet in hand: nothing more was taken from the socket.

        gate.Taken();

        Assert.IsType<MqttPublishPacket>(await fourth.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task ReceivePacketAsync_OtherPackets_AreNeverHeldUp()
    {
        _broker.Next = () => new MqttPingRespPacket();
        var adapter = Connect(new MqttDeliveryGate(capacity: 1, _broker));

        for (var i = 0; i < 10; i++)
        {
            Assert.IsType<MqttPingRespPacket>(await adapter.ReceivePacketAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public async Task ReceivePacketAsync_ClosingWhileWaiting_AnswersNullAsMqttnetDoes()
    {
        var adapter = Connect(new MqttDeliveryGate(capacity: 1, _broker));
        await adapter.ReceivePacketAsync(CancellationToken.None);
        using var closing = new CancellationTokenSource();

        var waiting = adapter.ReceivePacketAsync(closing.Token);
        await closing.CancelAsync();

        Assert.Null(await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task CreateClientAdapter_NewConnection_StartsWithAnEmptyQueue()
    {
        var gate = new MqttDeliveryGate(capacity: 1, _broker);
        await Connect(gate).ReceivePacketAsync(CancellationToken.None); // The old connection's queue is full...

        var reconnected = Connect(gate);

        // ...and MQTTnet dropped it with the connection: the new one reads at once.
        Assert.IsType<MqttPublishPacket>(await reconnected.ReceivePacketAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    /// <summary>A connection whose broker always has one more packet ready: counts what was read.</summary>
    private sealed class EndlessBroker : IMqttClientAdapterFactory, IMqttChannelAdapter
    {
        public Func<MqttPacket> Next { get; set; } = () => new MqttPublishPacket { Topic = "devices/d1/telemetry" };

        public int Read { get; private set; }

        public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger) => this;

        public Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            Read++;
            return Task.FromResult(Next());
        }

        public long BytesReceived => 0;

        public long BytesSent => 0;

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => null!;

        public EndPoint LocalEndPoint => null!;

        public bool IsSecureConnection => false;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => null!;

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void ResetStatistics()
        {
        }

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
