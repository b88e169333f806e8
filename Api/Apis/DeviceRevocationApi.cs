using IotAspire.Api.Infrastructure;
using IotAspire.Api.Model;
using IotAspire.Api.Security;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IotAspire.Api.Apis;

/// <summary>
/// Revoking a device and, as a separate explicit step, taking it back. Revocation disables the device's broker
/// account (a connected device is disconnected at once) and keeps all its data readable.
/// </summary>
public static class DeviceRevocationApi
{
    public static RouteGroupBuilder MapDeviceRevocationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("devices").WithTags("Devices").RequirePolicy(ApiRoles.AdminPolicy);

        api.MapDelete("/{id}", RevokeDevice)
            .WithName("RevokeDevice")
            .WithSummary("Revoke a device")
            .WithDescription(
                "Disables its MQTT account at once (a connected device is disconnected and cannot log in again) and marks it "
                + "revoked. Its data stays readable. Repeating it is harmless. POST /api/devices/{id}/reinstate takes it back.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/{id}/reinstate", ReinstateDevice)
            .WithName("ReinstateDevice")
            .WithSummary("Take a revoked device back, with new credentials")
            .WithDescription("The old password stays invalid; the new one is returned only in this response.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return api;
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeDevice(
        string id, [AsParameters] DeviceServices services, CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        using var activity = ApiDiagnostics.ActivitySource.StartActivity("revoke device");
        activity?.SetTag("iot.device.id", id);
        // Held until the mark is committed: a concurrent rotation waits, then finds the device revoked.
        await using var device = await services.Store.LockAsync(id, cancellationToken);
        if (device is null)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        // The broker first: that is what stops the device. If marking it in the database then fails, the caller
        // gets an error and repeats; the device is already locked out.
        if (await BrokerCalls.TryAsync(
                () => services.Broker.DisableDeviceAsync(id, cancellationToken),
                $"disable the broker account of device {id}",
                "The device's MQTT account could not be disabled; the device is not revoked. Try again.",
                services.Diagnostics,
                services.Logger,
                cancellationToken) is { } failure)
        {
            return failure;
        }

        await device.SetRevokedAndCommitAsync(revoked: true, cancellationToken);
        services.Logger.LogWarning("Revoked device {DeviceId}", id);
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<DeviceCredentials>, ProblemHttpResult>> ReinstateDevice(
        string id, [AsParameters] DeviceServices services, CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        using var activity = ApiDiagnostics.ActivitySource.StartActivity("reinstate device");
        activity?.SetTag("iot.device.id", id);
        await using var device = await services.Store.LockAsync(id, cancellationToken);
        if (device is null)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        if (device.Row.RevokedAt is null)
        {
            return ApiProblems.Conflict("Device not revoked", $"The device '{id}' is not revoked; POST /api/devices/{id}/credentials issues new credentials.");
        }

        // A new password, so that whoever held the old one (the reason for revoking, perhaps) stays out.
        var password = DevicesApi.NewPassword();
        if (await BrokerCalls.TryAsync(
                () => services.Broker.UpsertDeviceAsync(id, password, cancellationToken),
                $"re-enable the broker account of device {id}",
                "The device's MQTT account could not be re-enabled; the device stays revoked. Try again.",
                services.Diagnostics,
                services.Logger,
                cancellationToken) is { } failure)
        {
            return failure;
        }

        await device.SetRevokedAndCommitAsync(revoked: false, cancellationToken);
        services.Logger.LogWarning("Reinstated device {DeviceId}", id);
        return TypedResults.Ok(new DeviceCredentials(id, services.Credentials(id, password)));
    }
}
