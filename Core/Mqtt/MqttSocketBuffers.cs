using MQTTnet;

namespace IotAspire.Core.Mqtt;

/// <summary>
/// MQTTnet sets its socket's buffers to 8 KB unless told otherwise, which also switches off the kernel's buffer tuning:
/// after a burst, when the client paused reading for a moment, the TCP window closed and the broker's data then crawled
/// in at ~27 KB/s until the keepalive timed out (seen with the worker). Services set larger buffers with this.
/// </summary>
public static class MqttSocketBuffers
{
    public const int DefaultBytes = 4 * 1024 * 1024;

    public static MqttClientOptions WithSocketBuffers(this MqttClientOptions options, int bytes = DefaultBytes)
    {
        if (options.ChannelOptions is MqttClientTcpOptions tcp)
        {
            tcp.BufferSize = bytes;
        }

        return options;
    }
}
