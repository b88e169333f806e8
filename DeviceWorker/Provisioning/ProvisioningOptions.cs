using System.ComponentModel.DataAnnotations;

namespace IotAspire.DeviceWorker.Provisioning;

/// <summary>
/// Limits on fleet provisioning, section <c>Provisioning</c>. A claim credential ships inside every device of a batch,
/// so anyone who extracts it can flood requests: each costs a database transaction and several broker round trips,
/// while a refusal costs one small publish. MQTT does not tell a subscriber which connection published, so the
/// per-claimant limit is per requested id; the overall limit caps one connection that cycles through ids.
/// </summary>
public sealed class ProvisioningOptions
{
    public const string Section = "Provisioning";

    /// <summary>Sustained requests per second over all ids; 0 turns both limits off.</summary>
    [Range(0, 100_000)]
    public double RequestsPerSecond { get; set; } = 20;

    /// <summary>Requests at once after a quiet time (a batch of devices powered on together).</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 100;

    /// <summary>Sustained requests per second for one device id (a device retrying too fast).</summary>
    [Range(0.001, 1_000)]
    public double PerIdRequestsPerSecond { get; set; } = 0.2;

    [Range(1, 1_000)]
    public int PerIdBurst { get; set; } = 3;

    /// <summary>Registrations running at once: a flood within the limits still leaves the worker's other work its share.</summary>
    [Range(1, 256)]
    public int MaxConcurrentRegistrations { get; set; } = 4;
}
