namespace IotAspire.Realtime;

/// <summary>What the hub asks of the device registry before it lets a connection join a device's group.</summary>
public interface IRegisteredDevices
{
    Task<bool> IsRegisteredAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>The ids of <paramref name="deviceIds"/> that are registered.</summary>
    Task<IReadOnlyList<string>> RegisteredAmongAsync(IReadOnlyList<string> deviceIds, CancellationToken cancellationToken);
}
