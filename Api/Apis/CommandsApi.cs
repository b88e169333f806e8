using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using IotAspire.Api.Commands;
using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using IotAspire.Api.Mqtt;
using IotAspire.Api.Presence;
using IotAspire.Api.Security;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IotAspire.Api.Apis;

/// <summary>
/// Direct methods with Azure IoT Hub semantics: the request goes to <c>devices/{id}/commands/{name}/{requestId}</c>,
/// the device answers on <c>devices/{id}/commands/response/{requestId}</c>, and the caller gets that answer,
/// 404 when the device is offline, or 504 when it does not answer in time.
/// </summary>
public static class CommandsApi
{
    public static RouteGroupBuilder MapCommandsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("devices/{id}/commands").WithTags("Commands").RequirePolicy(ApiRoles.OperatorPolicy);

        api.MapPost("/{name}", InvokeCommand)
            .WithName("InvokeCommand")
            .WithSummary("Invoke a command (direct method) on an online device and wait for its answer")
            .WithDescription(
                """
                Body {"payload":..,"timeoutSeconds":30} (5-300, default 30). The device receives the payload on
                devices/{id}/commands/{name}/{requestId} (QoS 1; MQTT 5 devices also get a response topic and correlation data)
                and answers {"status":..,"payload":..} on devices/{id}/commands/response/{requestId}, which this returns.
                404 when the device is offline, 504 when it does not answer in time, 502 when its answer is malformed.
                """)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

        return api;
    }

    public static async Task<Results<Ok<CommandResult>, ProblemHttpResult>> InvokeCommand(
        string id, string name, [FromBody] CommandRequest? request, [AsParameters] CommandServices services, CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        if (!CommandRules.IsValidName(name))
        {
            return ApiProblems.BadRequest("Invalid command name", $"A command name is {CommandRules.NameRule}.");
        }

        var timeoutSeconds = request?.TimeoutSeconds ?? CommandRules.DefaultTimeoutSeconds;
        if (!CommandRules.IsValidTimeout(timeoutSeconds))
        {
            return ApiProblems.BadRequest("Invalid timeout",
                $"'timeoutSeconds' must be between {CommandRules.MinTimeoutSeconds} and {CommandRules.MaxTimeoutSeconds}.");
        }

        // The payload is forwarded as the caller sent it; the JSON reader does not check the bytes of strings.
        if (request?.Payload is { } raw && !Utf8.IsValid(JsonMarshal.GetRawUtf8Value(raw)))
        {
            return ApiProblems.BadRequest("Invalid payload", "The command payload is not valid UTF-8.");
        }

        if (!(await services.Presence.GetAsync(id)).Online)
        {
            return await services.Devices.FindAsync(id, cancellationToken) is null
                ? ApiProblems.DeviceNotFound(id)
                : ApiProblems.Problem(StatusCodes.Status404NotFound, "Device offline", $"The device '{id}' is not connected.");
        }

        using var activity = ApiDiagnostics.ActivitySource.StartActivity("invoke command");
        activity?.SetTag("iot.device.id", id);
        activity?.SetTag("iot.command.name", name);

        var requestId = CommandRules.NewRequestId();
        // No payload is sent as {} so that a device can always read an object.
        var payload = request?.Payload is { } given ? JsonSerializer.SerializeToUtf8Bytes(given) : "{}"u8.ToArray();
        using var pending = services.Pending.Register(id, requestId);
        await services.Mqtt.PublishCommandAsync(id, name, requestId, payload, cancellationToken);
        services.Diagnostics.CommandsSent.Add(1);

        CommandResult? answer;
        try
        {
            answer = await pending.Response.WaitAsync(TimeSpan.FromSeconds(timeoutSeconds), cancellationToken);
        }
        catch (TimeoutException)
        {
            services.Diagnostics.CommandsTimedOut.Add(1);
            return ApiProblems.Problem(StatusCodes.Status504GatewayTimeout, "Device did not answer",
                $"The device '{id}' did not answer the command '{name}' (request {requestId}) within {timeoutSeconds} s.");
        }

        if (answer is null)
        {
            return ApiProblems.Problem(StatusCodes.Status502BadGateway, "Invalid device answer",
                $"The device '{id}' answered request {requestId}, but not with {{\"status\":<integer>,\"payload\":..}}.");
        }

        return TypedResults.Ok(answer);
    }
}

/// <summary>Body of a command: any JSON payload, and how long to wait for the answer.</summary>
public sealed record CommandRequest(JsonElement? Payload, int? TimeoutSeconds);

/// <summary>What the command handler needs from DI, bound with [AsParameters].</summary>
public sealed class CommandServices(
    PresenceReader presence, DeviceStore devices, PendingCommands pending, ApiMqttConnection mqtt, ApiDiagnostics diagnostics)
{
    public ApiDiagnostics Diagnostics { get; } = diagnostics;
    public PresenceReader Presence { get; } = presence;
    public DeviceStore Devices { get; } = devices;
    public PendingCommands Pending { get; } = pending;
    public ApiMqttConnection Mqtt { get; } = mqtt;
}
