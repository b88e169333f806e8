using System.Buffers.Text;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using IotAspire.Api.Model;
using IotAspire.Api.Presence;
using IotAspire.Api.Security;
using IotAspire.Core.Devices;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IotAspire.Api.Apis;

/// <summary>The device registry: registration with MQTT credentials, credential rotation, listing.</summary>
public static class DevicesApi
{
    public static RouteGroupBuilder MapDevicesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("devices").WithTags("Devices").RequirePolicy(ApiRoles.ViewerPolicy);

        api.MapPost("/", CreateDevice)
            .RequirePolicy(ApiRoles.AdminPolicy)
            .WithName("CreateDevice")
            .WithSummary("Register a device")
            .WithDescription("Creates the device and its MQTT account. The password is returned only in this response.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/{id}/credentials", RotateCredentials)
            .RequirePolicy(ApiRoles.AdminPolicy)
            .WithName("RotateDeviceCredentials")
            .WithSummary("Replace a device's MQTT password")
            .WithDescription("The old password stops working. The new one is returned only in this response.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/", ListDevices)
            .WithName("ListDevices")
            .WithSummary("List devices, ordered by id (or name, or last seen)")
            .WithDescription(
                "Keyset paging: pass the response's 'next' as 'after'. 'search' matches id or name, case-insensitively. "
                + "'status' = online | offline | revoked (presence as the worker recorded it). 'sort' = id | name | lastSeen "
                + "(most recent first). 'latest=true' adds each device's latest value of every metric.")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/{id}", GetDevice)
            .WithName("GetDevice")
            .WithSummary("Get a device")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    public static async Task<Results<Created<DeviceRegistered>, ProblemHttpResult>>
        CreateDevice([FromBody] CreateDeviceRequest request, [AsParameters] DeviceServices services, CancellationToken cancellationToken)
    {
        if (ReservedAccountNames.DeviceIdError(request.Id) is { } idError)
        {
            return ApiProblems.BadRequest("Invalid device id", idError);
        }

        var id = request.Id!;
        var name = string.IsNullOrWhiteSpace(request.Name) ? id : request.Name.Trim();
        if (name.Length > DeviceRules.MaxNameLength)
        {
            return ApiProblems.BadRequest("Invalid device name", $"A device name has at most {DeviceRules.MaxNameLength} characters.");
        }

        using var activity = ApiDiagnostics.ActivitySource.StartActivity("register device");
        activity?.SetTag("iot.device.id", id);

        // The same registration as fleet provisioning: row and broker account together, an existing id never taken over.
        var password = NewPassword();
        var registration = await services.Registrar.RegisterAsync(id, name, password, cancellationToken);
        switch (registration.Status)
        {
            case DeviceRegistrationStatus.AlreadyRegistered:
                return ApiProblems.Conflict("Device exists",
                    $"A device with the id '{id}' is already registered. POST /api/devices/{id}/credentials issues new credentials.");
            case DeviceRegistrationStatus.Refused:
                return ApiProblems.BadRequest("Invalid device id", $"'{id}' names a broker account that is not a device's; it cannot be registered.");
            case DeviceRegistrationStatus.BrokerUnavailable:
                services.Diagnostics.BrokerFailures.Add(1);
                return ApiProblems.BrokerUnavailable("The device's MQTT account could not be created; nothing was registered. Try again later.");
        }

        services.Diagnostics.DevicesRegistered.Add(1);
        services.Logger.LogInformation("Registered device {DeviceId}", id);
        var device = registration.Device!;
        return TypedResults.Created($"/api/devices/{Uri.EscapeDataString(id)}",
            new DeviceRegistered(device.DeviceId, device.Name, services.Credentials(id, password)));
    }

    public static async Task<Results<Ok<DeviceCredentials>, ProblemHttpResult>>
        RotateCredentials(string id, [AsParameters] DeviceServices services, CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        using var activity = ApiDiagnostics.ActivitySource.StartActivity("rotate device credentials");
        activity?.SetTag("iot.device.id", id);

        // Held across the broker call: a concurrent revocation waits for it, and a rotation never re-enables an
        // account that a revocation has just disabled.
        await using var device = await services.Store.LockAsync(id, cancellationToken);
        if (device is null)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        if (device.Row.RevokedAt is not null)
        {
            return ApiProblems.Conflict("Device revoked", $"The device '{id}' was revoked; it gets no new credentials.");
        }

        var password = NewPassword();
        if (await BrokerCalls.TryAsync(
                () => services.Broker.UpsertDeviceAsync(id, password, cancellationToken),
                $"set new credentials for device {id}",
                "The device's new MQTT password could not be set; the old one still works. Try again later.",
                services.Diagnostics,
                services.Logger,
                cancellationToken) is { } failure)
        {
            return failure;
        }

        services.Diagnostics.CredentialsRotated.Add(1);
        services.Logger.LogInformation("Issued new credentials for device {DeviceId}", id);
        return TypedResults.Ok(new DeviceCredentials(id, services.Credentials(id, password)));
    }

    public static async Task<Results<Ok<DevicePage>, ProblemHttpResult>> ListDevices(
        DeviceStore store,
        string? after,
        [Range(1, DeviceRules.MaxPageSize)] int? limit,
        [StringLength(DeviceRules.MaxNameLength)] string? search,
        CancellationToken cancellationToken,
        PresenceReader? presence = null,
        [Description("online, offline or revoked; default: all.")] string? status = null,
        [Description("id (default), name, or lastSeen (most recently seen first).")] string? sort = null,
        [Description("true: each device with the latest value of every metric it sent.")] bool? latest = null,
        TelemetryReader? telemetry = null)
    {
        if (!TryParse<DeviceSort>(sort, out var order))
        {
            return ApiProblems.BadRequest("Invalid sort", "'sort' must be id, name or lastSeen.");
        }

        if (!TryParse<DeviceStatusFilter>(status, out var filter))
        {
            return ApiProblems.BadRequest("Invalid status", "'status' must be online, offline or revoked.");
        }

        DeviceCursor? cursor = null;
        if (!string.IsNullOrEmpty(after) && !DeviceCursor.TryDecode(order, after, out cursor))
        {
            return ApiProblems.BadRequest("Invalid cursor", order == DeviceSort.Id
                ? $"'after' must be a device id ({DeviceId.Rule}), normally the previous page's 'next'."
                : "'after' must be the previous page's 'next' of the same sort.");
        }

        if (limit is < 1 or > DeviceRules.MaxPageSize)
        {
            return ApiProblems.BadRequest("Invalid limit", $"'limit' must be between 1 and {DeviceRules.MaxPageSize}.");
        }

        var take = limit ?? DeviceRules.DefaultPageSize;
        // One extra row tells whether another page follows.
        var rows = await store.ListAsync(cursor, string.IsNullOrEmpty(search) ? null : search, filter, order, take + 1, cancellationToken);
        var page = rows.Take(take).ToList();
        // Live presence of the whole page in one Redis round trip.
        var online = presence is null
            ? new Dictionary<string, DevicePresence>()
            : await presence.GetManyAsync(page.Select(row => row.DeviceId).ToList());
        var values = latest == true && telemetry is not null
            ? await telemetry.ReadLatestAsync(page.Select(row => row.Key).ToList(), cancellationToken)
            : null;
        var items = page.Select(row => ToDto(row, online.GetValueOrDefault(row.DeviceId, DevicePresence.Unknown)) with
        {
            Latest = values is null ? null : (values.GetValueOrDefault(row.Key) ?? []).Select(MetricDto.From).ToList(),
        }).ToList();
        var next = rows.Count > take ? DeviceCursor.Encode(order, page[^1]) : null;
        return TypedResults.Ok(new DevicePage(items, next));
    }

    /// <summary>An enum from its name, case-insensitively; absent is the default (the first member).</summary>
    private static bool TryParse<TEnum>(string? text, out TEnum value) where TEnum : struct, Enum
    {
        value = default;
        return string.IsNullOrEmpty(text) || (Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !int.TryParse(text, out _));
    }

    public static async Task<Results<Ok<DeviceDto>, ProblemHttpResult>> GetDevice(
        string id, DeviceStore store, CancellationToken cancellationToken, PresenceReader? presence = null)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        var device = await store.FindAsync(id, cancellationToken);
        if (device is null)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        var live = presence is null ? DevicePresence.Unknown : await presence.GetAsync(id);
        return TypedResults.Ok(ToDto(device, live));
    }

    /// <summary>32 random bytes, base64url: 256 bits, safe in JSON, shells and MQTT clients.</summary>
    internal static string NewPassword() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    internal static DeviceDto ToDto(DeviceRow row, DevicePresence presence) =>
        new(row.DeviceId, row.Name, row.CreatedAt, row.LastSeen, presence.Online, row.LastConnected, row.LastDisconnected, row.RevokedAt);
}

/// <summary>What the device handlers need from DI, bound with [AsParameters].</summary>
public sealed class DeviceServices(
    DeviceStore store,
    DeviceRegistrar registrar,
    IBrokerAccounts broker,
    MqttPublicEndpoint endpoint,
    ApiDiagnostics diagnostics,
    ILogger<DeviceServices> logger)
{
    public ApiDiagnostics Diagnostics { get; } = diagnostics;
    public DeviceStore Store { get; } = store;
    public DeviceRegistrar Registrar { get; } = registrar;
    public IBrokerAccounts Broker { get; } = broker;
    public MqttPublicEndpoint Endpoint { get; } = endpoint;
    public ILogger<DeviceServices> Logger { get; } = logger;

    public MqttCredentials Credentials(string deviceId, string password) => new(Endpoint.Host, Endpoint.Port, deviceId, password);
}
