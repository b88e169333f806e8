using IotAspire.Core.Protocol;

namespace IotAspire.Core.Mqtt;

/// <summary>
/// Devices and services share one namespace of broker user names, so a device id must never name a service account,
/// today's or a future one. Two rules keep the parts apart: every service account name is reserved (the broker-account
/// code refuses to create a service account outside this rule, so a new service cannot forget it), and a device id
/// may be nothing reserved. Reserved: the names below and anything starting with a reserved prefix, case-insensitively
/// (Mosquitto's names are case-sensitive, but "DeviceWorker" beside "deviceworker" only invites confusion).
/// </summary>
public static class ReservedAccountNames
{
    /// <summary>Prefixes for service accounts to come; <see cref="ServicePrefix"/> is the one to use.</summary>
    public const string ServicePrefix = "svc-";

    private static readonly string[] Prefixes = [ServicePrefix, "service-", "dynsec", "iotaspire", "mqtt-", "sys-", "system-", "admin-"];

    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        ServiceAccounts.AdminUsername,
        ServiceAccounts.WorkerUsername,
        ServiceAccounts.ApiUsername,
        ServiceAccounts.FleetClaimUsername,
        // Every Aspire resource is a service that may one day get an account of its own under its name.
        ResourceNames.Database, ResourceNames.Redis, ResourceNames.Mqtt, ResourceNames.Migrations, ResourceNames.Api,
        ResourceNames.DeviceWorker, ResourceNames.Archiver, ResourceNames.Dashboard, ResourceNames.Simulator,
        ResourceNames.Identity, ResourceNames.Gateway,
        // Names an operator or a broker tool might give an account.
        "admin", "administrator", "root", "superuser", "mosquitto", "broker", "bridge", "system", "service", "worker",
        "keycloak", "fleet", "claim", "provisioning", "anonymous",
    };

    public static bool IsReserved(string name) =>
        Names.Contains(name) || Prefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    /// <summary>Why <paramref name="deviceId"/> cannot be registered, or null when it can.</summary>
    public static string? DeviceIdError(string? deviceId) =>
        !DeviceId.IsValid(deviceId) ? $"A device id is {DeviceId.Rule}."
        : IsReserved(deviceId!) ? $"'{deviceId}' is reserved for the system's own accounts; a device id may not be {Describe()}."
        : null;

    /// <summary>The rule in words, for error messages and the README.</summary>
    public static string Describe() =>
        $"a service name ({string.Join(", ", Names.Order(StringComparer.Ordinal))}) or start with {string.Join(", ", Prefixes)} (in any case)";
}
