using System.ComponentModel.DataAnnotations;

namespace IotAspire.Simulator;

/// <summary>Section <c>Simulator</c>: how many virtual devices, and how hard they send.</summary>
public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>Number of virtual devices, ids <c>{IdPrefix}0001</c>… .</summary>
    [Range(0, 100_000)]
    public int Devices { get; set; } = 10;

    /// <summary>Seconds between two messages of one device (when <see cref="RatePerSecond"/> is 0).</summary>
    [Range(0.001, 86_400)]
    public double IntervalSeconds { get; set; } = 5;

    /// <summary>Prefix of the device ids; with the number it must stay a valid device id.</summary>
    [RegularExpression("^[A-Za-z0-9_.-]{0,50}$")]
    public string IdPrefix { get; set; } = "sim-";

    /// <summary>Metrics per message: the five realistic ones first, then <c>value_1</c>, <c>value_2</c>… .</summary>
    [Range(1, 1000)]
    public int ValuesPerMessage { get; set; } = 5;

    /// <summary>MQTT QoS of telemetry: 0 (fire and forget) or 1 (acknowledged).</summary>
    [Range(0, 1)]
    public int Qos { get; set; } = 1;

    /// <summary>Load mode: messages per second across all devices; 0 uses <see cref="IntervalSeconds"/>.</summary>
    [Range(0, 1_000_000)]
    public double RatePerSecond { get; set; }

    /// <summary>One trace per message (with a traceparent user property). Turn off for load runs.</summary>
    public bool TraceMessages { get; set; } = true;

    /// <summary>
    /// Devices follow the protocol: report their state, apply shadow deltas, answer commands. Turn off for pure
    /// telemetry load runs (the ingest benchmark), where only the send loop runs.
    /// </summary>
    public bool Interactive { get; set; } = true;

    /// <summary>
    /// The fleet claim password (from the AppHost). When set, devices provision themselves over MQTT with it; when
    /// empty, they are registered through the API as an administrator would.
    /// </summary>
    public string? FleetClaimPassword { get; set; }

    /// <summary>Where the API is; "http://gateway" (the Api's public endpoint) resolves through Aspire service discovery.</summary>
    [Required]
    public Uri ApiBaseAddress { get; set; } = new("http://gateway");

    /// <summary>
    /// The service identity the simulator calls the Api with (client credentials). Needed when a device provisioned by
    /// an earlier run (a kept data folder) must get new credentials: the fleet claim never takes an id over.
    /// </summary>
    public ServiceIdentityOptions? Identity { get; set; }

    /// <summary>The time between two messages of one device.</summary>
    public TimeSpan MessagePeriod => RatePerSecond > 0
        ? TimeSpan.FromSeconds(Devices / RatePerSecond)
        : TimeSpan.FromSeconds(IntervalSeconds);

    public string DeviceId(int index) => $"{IdPrefix}{index + 1:D4}";
}

/// <summary>Section <c>Simulator:Identity</c>: the OIDC issuer and the confidential client the simulator signs in as.</summary>
public sealed class ServiceIdentityOptions
{
    /// <summary>The issuer, e.g. http://localhost:5180/realms/iot.</summary>
    [Required]
    public Uri? Authority { get; set; }

    [Required]
    public string ClientId { get; set; } = "iot-service";

    public string? ClientSecret { get; set; }

    /// <summary>Keycloak's token endpoint under the issuer (the local provider serves the same path).</summary>
    public Uri TokenEndpoint => new($"{Authority!.ToString().TrimEnd('/')}/protocol/openid-connect/token");
}
