using System.ComponentModel.DataAnnotations;

namespace IotAspire.Gateway.Routing;

/// <summary>Where the gateway sends requests, section <c>Gateway</c>. The AppHost sets the addresses.</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Every Api replica's own address (not a load-balanced one: the gateway balances, and keeps hub affinity).</summary>
    [MinLength(1)]
    public List<Uri> ApiReplicas { get; set; } = [];

    /// <summary>How often each replica's /health is probed; a replica that fails one probe gets no new requests.</summary>
    [Range(1, 60)]
    public int HealthCheckIntervalSeconds { get; set; } = 2;
}
