using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Packets;

namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>
/// Stops reading the consumer's socket while MQTTnet holds <c>capacity</c> received messages that our handler has not
/// taken yet. A broker should never send more unacknowledged messages than our Receive Maximum, but Mosquitto 2.0.11
/// does when messages queue up (in-flight quota bugs fixed in 2.0.13, eclipse-mosquitto issues 2301 and 2362), and
/// MQTTnet queues whatever arrives without bound: ~100,000 messages and 500 MB in the worker after a minute of
/// overload. With the socket left unread, TCP flow control keeps the backlog in the broker, whose job that is.
/// Only the consumer's connection is gated: nothing the worker waits for arrives on it (replies to devices go over a
/// connection of their own), so the pause cannot deadlock. A ping left unanswered during a long pause (the database
/// down) ends in a reconnect, and the broker redelivers what was not acknowledged.
/// </summary>
public sealed class MqttDeliveryGate(int capacity, IMqttClientAdapterFactory? adapters = null) : IMqttClientAdapterFactory
{
    private readonly IMqttClientAdapterFactory _adapters = adapters ?? new MqttClientAdapterFactory();
    private volatile SemaphoreSlim _space = new(capacity);

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        // Every connection starts with an empty receive queue. A message of an old connection taken after this
        // adds one place to the new count: harmless.
        var space = new SemaphoreSlim(capacity);
        _space = space;
        return new GatedAdapter(_adapters.CreateClientAdapter(options, packetInspector, logger), space);
    }

    /// <summary>Our handler took a message from MQTTnet: one more may be read from the socket.</summary>
    public void Taken() => _space.Release();

    private sealed class GatedAdapter(IMqttChannelAdapter inner, SemaphoreSlim space) : IMqttChannelAdapter
    {
        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            var packet = await inner.ReceivePacketAsync(cancellationToken);
            if (packet is MqttPublishPacket)
            {
                try
                {
                    // MQTTnet's receive loop waits here, and with it the socket: at most capacity + 1 are held.
                    await space.WaitAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return null!; // As MQTTnet's own adapter answers a cancelled receive: the connection is closing.
                }
            }

            return packet!;
        }

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken) => inner.SendPacketAsync(packet, cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
