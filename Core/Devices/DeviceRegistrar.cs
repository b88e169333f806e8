using IotAspire.Core.Data;
using IotAspire.Core.Mqtt;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IotAspire.Core.Devices;

/// <summary>
/// Registers a device: its row in <c>devices</c> and its own broker account (role and client, client id fixed to the
/// device id). Shared by the admin's <c>POST /api/devices</c> and by fleet provisioning in the worker.
/// An id that is already registered is never taken over: its row, password and enabled state stay as they are.
/// </summary>
public sealed partial class DeviceRegistrar(NpgsqlDataSource dataSource, IBrokerAccounts broker, ILogger<DeviceRegistrar> logger)
{
    /// <summary>
    /// Inserts the row, creates the broker account, then commits: a failure on either side leaves no half device.
    /// Throws only when the database fails (the broker account is then taken away again).
    /// </summary>
    public async Task<DeviceRegistration> RegisterAsync(string deviceId, string name, string password, CancellationToken cancellationToken)
    {
        // Callers answer this rule with a 400 first; here it guards against a caller that forgot.
        if (ReservedAccountNames.DeviceIdError(deviceId) is { } error)
        {
            throw new ArgumentException(error, nameof(deviceId));
        }

        // The insert is the first statement: if it meets a connection a database restart killed, nothing has happened.
        var (connection, transaction, createdAt) = await DeadConnections.RetryOnceAsync(dataSource, () => InsertAsync(deviceId, name, cancellationToken));
        await using var ownedConnection = connection;
        await using var ownedTransaction = transaction;
        if (createdAt is not DateTime created)
        {
            return DeviceRegistration.AlreadyRegistered;
        }

        try
        {
            await broker.UpsertDeviceAsync(deviceId, password, cancellationToken);
        }
        catch (AccountKindException ex)
        {
            // The broker holds an account of this name that is not a device's: never touch it.
            LogForeignAccount(ex, deviceId);
            return DeviceRegistration.Refused;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogBrokerFailed(ex, deviceId);
            return DeviceRegistration.BrokerUnavailable; // The transaction rolls back on dispose.
        }

        try
        {
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            // The broker account exists but the device does not: take the account away again, then fail.
            LogCommitFailed(ex, deviceId);
            await DisableOrphanAccountAsync(deviceId);
            throw;
        }

        return DeviceRegistration.Registered(new RegisteredDevice(deviceId, name, DateTime.SpecifyKind(created, DateTimeKind.Utc)));
    }

    private async Task<(NpgsqlConnection, NpgsqlTransaction, object?)> InsertAsync(string deviceId, string name, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // A concurrent registration of the same id waits here on the unique index, then finds the id taken.
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO devices (device_id, name) VALUES ($1, $2)
                ON CONFLICT (device_id) DO NOTHING
                RETURNING created_at
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = deviceId });
            insert.Parameters.Add(new NpgsqlParameter { Value = name });
            return (connection, transaction, await insert.ExecuteScalarAsync(cancellationToken));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task DisableOrphanAccountAsync(string deviceId)
    {
        try
        {
            await broker.DisableDeviceAsync(deviceId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            LogOrphanNotDisabled(ex, deviceId);
        }
    }

    [LoggerMessage(LogLevel.Error, "Creating the broker account of device {DeviceId} failed; nothing was registered")]
    private partial void LogBrokerFailed(Exception exception, string deviceId);

    [LoggerMessage(LogLevel.Critical, "Refused to register device {DeviceId}: the broker account of that name is not a device's")]
    private partial void LogForeignAccount(Exception exception, string deviceId);

    [LoggerMessage(LogLevel.Error, "Committing device {DeviceId} failed after its broker account was created")]
    private partial void LogCommitFailed(Exception exception, string deviceId);

    [LoggerMessage(LogLevel.Error, "Disabling the orphan broker account of device {DeviceId} failed")]
    private partial void LogOrphanNotDisabled(Exception exception, string deviceId);
}

public enum DeviceRegistrationStatus
{
    Registered,

    /// <summary>The id is taken (also by a revoked device): nothing was changed.</summary>
    AlreadyRegistered,

    /// <summary>The broker account could not be created: nothing was registered; worth another try later.</summary>
    BrokerUnavailable,

    /// <summary>The broker has an account of that name that is not a device's: nothing was registered or changed.</summary>
    Refused,
}

public sealed record RegisteredDevice(string DeviceId, string Name, DateTime CreatedAt);

public sealed record DeviceRegistration(DeviceRegistrationStatus Status, RegisteredDevice? Device)
{
    public static readonly DeviceRegistration AlreadyRegistered = new(DeviceRegistrationStatus.AlreadyRegistered, null);
    public static readonly DeviceRegistration BrokerUnavailable = new(DeviceRegistrationStatus.BrokerUnavailable, null);
    public static readonly DeviceRegistration Refused = new(DeviceRegistrationStatus.Refused, null);

    public static DeviceRegistration Registered(RegisteredDevice device) => new(DeviceRegistrationStatus.Registered, device);
}
