using Microsoft.Extensions.Configuration;
using System.Net;
using System.Net.Sockets;

namespace IotAspire.AppHost.Infrastructure;

internal static class Ports
{
    /// <summary>The configured port, or a free one when the setting is absent or 0 (tests run side by side).</summary>
    public static int FromConfiguration(IConfiguration configuration, string key, int demoDefault)
    {
        var value = configuration[key];
        var port = string.IsNullOrWhiteSpace(value) ? demoDefault : int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        return port == 0 ? Free() : port;
    }

    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
