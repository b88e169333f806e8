using IotAspire.Api.Apis;
using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using IotAspire.Core.Devices;
using IotAspire.Core.Mqtt;
using IotAspire.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IotAspire.UnitTests.Api;

/// <summary>
/// Stores over a data source that points nowhere: a handler that reaches the database in a test
/// where it should have answered from its own rules fails loudly instead of passing.
/// </summary>
internal static class ApiTestDoubles
{
    private static readonly NpgsqlDataSource Nowhere = NpgsqlDataSource.Create("Host=unreachable.invalid;Timeout=1");

    public static DeviceStore DeviceStore() => new(Nowhere);

    public static TelemetryReader TelemetryReader() => new(Nowhere);

    public static ApiDiagnostics Diagnostics() => new(StandaloneMeters.Factory);

    public static DeviceServices DeviceServices(RecordingBrokerAccounts broker) =>
        new(DeviceStore(), new DeviceRegistrar(Nowhere, broker, NullLogger<DeviceRegistrar>.Instance), broker,
            new MqttPublicEndpoint("localhost", 1883), Diagnostics(), NullLogger<DeviceServices>.Instance);
}

/// <summary>Records the calls a handler makes to the broker.</summary>
internal sealed class RecordingBrokerAccounts : IBrokerAccounts
{
    public List<string> Calls { get; } = [];

    public Task UpsertDeviceAsync(string deviceId, string password, CancellationToken cancellationToken)
    {
        Calls.Add($"upsert {deviceId}");
        return Task.CompletedTask;
    }

    public Task UpsertServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        Calls.Add($"service {username}");
        return Task.CompletedTask;
    }

    public Task DisableDeviceAsync(string deviceId, CancellationToken cancellationToken)
    {
        Calls.Add($"disable {deviceId}");
        return Task.CompletedTask;
    }

    public Task SetServicePasswordAsync(string username, string password, CancellationToken cancellationToken)
    {
        Calls.Add($"password {username}");
        return Task.CompletedTask;
    }

    public Task EnableServiceAsync(string username, CancellationToken cancellationToken)
    {
        Calls.Add($"enable {username}");
        return Task.CompletedTask;
    }

    public Task DisableServiceAsync(string username, CancellationToken cancellationToken)
    {
        Calls.Add($"disable {username}");
        return Task.CompletedTask;
    }

    public Task<ServiceAccountChange> EnsureServiceAsync(string username, string password, IReadOnlyList<BrokerAcl> acls, CancellationToken cancellationToken)
    {
        Calls.Add($"ensure {username}");
        return Task.FromResult(ServiceAccountChange.Created);
    }
}
