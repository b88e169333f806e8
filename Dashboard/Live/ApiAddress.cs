using System.Net;
using IotAspire.Dashboard.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace IotAspire.Dashboard.Live;

/// <summary>
/// The Api's address for clients that do not go through IHttpClientFactory (the SignalR WebSocket): a service name
/// (http://gateway) is resolved by service discovery, a plain address is used as it is.
/// </summary>
public sealed class ApiAddress(IOptions<DashboardOptions> options, ServiceEndpointResolver resolver)
{
    public const string HubPath = "hubs/devices";

    public async Task<Uri> HubUrlAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.ApiBaseAddress;
        var baseAddress = configured;
        var endpoints = await resolver.GetEndpointsAsync(configured.GetLeftPart(UriPartial.Authority), cancellationToken);
        if (endpoints.Endpoints.Count > 0)
        {
            baseAddress = endpoints.Endpoints[0].EndPoint switch
            {
                UriEndPoint uri => uri.Uri,
                DnsEndPoint dns => new UriBuilder(configured.Scheme, dns.Host, dns.Port).Uri,
                IPEndPoint ip => new UriBuilder(configured.Scheme, ip.Address.ToString(), ip.Port).Uri,
                _ => configured,
            };
        }

        return new Uri(baseAddress, HubPath);
    }
}
