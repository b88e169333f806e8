using IotAspire.Core.Protocol;
using IotAspire.Core.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace IotAspire.Realtime;

/// <summary>
/// Real-time events per device at <c>/hubs/devices</c>. A client calls <c>Subscribe(deviceId)</c> and then receives
/// <c>telemetry</c>, <c>shadow</c> and <c>presence</c> for that device only. Groups live in the Redis backplane,
/// so a client may be connected to any replica, and a process that does not host the hub (the worker) sends to them too. Connecting needs a token (browsers pass it as <c>access_token</c> in
/// the query string); the connection closes when the token expires.
/// </summary>
public sealed class DevicesHub(IRegisteredDevices devices) : Hub
{
    public const string Path = "/hubs/devices";

    public static string Group(string deviceId) => "device:" + deviceId;

    // Checked again per call (not only on connect): a connection outlives role changes until its token expires.
    [Authorize(Policy = AccessPolicies.Viewer)]
    public async Task Subscribe(string deviceId)
    {
        if (!DeviceId.IsValid(deviceId))
        {
            throw new HubException($"'{deviceId}' is not a valid device id: a device id is {DeviceId.Rule}.");
        }

        if (!await devices.IsRegisteredAsync(deviceId, Context.ConnectionAborted))
        {
            throw new HubException($"No device has the id '{deviceId}'.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, Group(deviceId), Context.ConnectionAborted);
    }

    /// <summary>Most ids one SubscribeDevices or UnsubscribeDevices call takes: a page of a fleet list.</summary>
    public const int MaxDevicesPerCall = 200;

    /// <summary>
    /// Subscribes to a whole page of devices in one call (a fleet list), with the rights of <see cref="Subscribe"/>.
    /// Ids that are not registered are skipped (a device revoked or deleted since the page was read), not an error.
    /// </summary>
    [Authorize(Policy = AccessPolicies.Viewer)]
    public async Task SubscribeDevices(string[] deviceIds)
    {
        ValidateIds(deviceIds);
        var known = await devices.RegisteredAmongAsync(deviceIds.Distinct(StringComparer.Ordinal).ToList(), Context.ConnectionAborted);
        await Task.WhenAll(known.Select(id => Groups.AddToGroupAsync(Context.ConnectionId, Group(id), Context.ConnectionAborted)));
    }

    public async Task UnsubscribeDevices(string[] deviceIds)
    {
        ValidateIds(deviceIds);
        await Task.WhenAll(deviceIds.Distinct(StringComparer.Ordinal)
            .Select(id => Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(id), Context.ConnectionAborted)));
    }

    private static void ValidateIds(string[]? deviceIds)
    {
        if (deviceIds is null || deviceIds.Length > MaxDevicesPerCall)
        {
            throw new HubException($"Pass 0 to {MaxDevicesPerCall} device ids per call.");
        }

        if (deviceIds.FirstOrDefault(id => !DeviceId.IsValid(id)) is { } invalid)
        {
            throw new HubException($"'{invalid}' is not a valid device id: a device id is {DeviceId.Rule}.");
        }
    }

    public async Task Unsubscribe(string deviceId)
    {
        if (!DeviceId.IsValid(deviceId))
        {
            throw new HubException($"'{deviceId}' is not a valid device id: a device id is {DeviceId.Rule}.");
        }

        await Groups.RemoveFromGroupAsync(Context.ConnectionId, Group(deviceId), Context.ConnectionAborted);
    }
}
