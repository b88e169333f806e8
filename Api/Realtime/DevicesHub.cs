using IotAspire.Api.Data;
using IotAspire.Api.Security;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace IotAspire.Api.Realtime;

/// <summary>
/// Real-time events per device at <c>/hubs/devices</c>. A client calls <c>Subscribe(deviceId)</c> and then receives
/// <c>telemetry</c>, <c>shadow</c> and <c>presence</c> for that device only. Groups live in the Redis backplane,
/// so a client may be connected to any replica. Connecting needs a token (browsers pass it as <c>access_token</c> in
/// the query string); the connection closes when the token expires.
/// </summary>
public sealed class DevicesHub(DeviceStore devices) : Hub
{
    public const string Path = "/hubs/devices";

    public static string Group(string deviceId) => "device:" + deviceId;

    // Checked again per call (not only on connect): a connection outlives role changes until its token expires.
    [Authorize(Policy = ApiRoles.ViewerPolicy)]
    public async Task Subscribe(string deviceId)
    {
        if (!DeviceId.IsValid(deviceId))
        {
            throw new HubException($"'{deviceId}' is not a valid device id: a device id is {DeviceId.Rule}.");
        }

        if (await devices.FindAsync(deviceId, Context.ConnectionAborted) is null)
        {
            throw new HubException($"No device has the id '{deviceId}'.");
        }

        await Groups.AddToGroupAsync(Context.ConnectionId, Group(deviceId), Context.ConnectionAborted);
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
