using System.Text.Json.Nodes;
using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using IotAspire.Api.Mqtt;
using IotAspire.Api.Security;
using IotAspire.Core.Protocol;
using IotAspire.Core.Shadows;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IotAspire.Api.Apis;

/// <summary>
/// The app side of the device shadow (AWS IoT Device Shadow semantics). Apps read the document and change desired;
/// the device gets the change as update/delta (retained, so also when it comes back later) and update/documents.
/// </summary>
public static class ShadowApi
{
    /// <summary>Requests beyond this are refused before parsing; the shadow's own limit (8 KB of state) is checked by the rules.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>How long an update may take once received, its messages included (a publish waits for the broker a few seconds at most).</summary>
    private static readonly TimeSpan WorkTimeout = TimeSpan.FromSeconds(30);

    public static RouteGroupBuilder MapShadowApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("devices/{id}/shadow").WithTags("Shadows").RequirePolicy(ApiRoles.ViewerPolicy);

        api.MapGet("/", GetShadow)
            .WithName("GetShadow")
            .WithSummary("Get a device's shadow")
            .WithDescription("The document: state (desired, reported, delta), metadata, version, timestamp. ETag is the quoted version; If-None-Match gives 304.")
            .Produces<JsonObject>(StatusCodes.Status200OK)
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPatch("/", UpdateShadow)
            .RequirePolicy(ApiRoles.OperatorPolicy)
            .WithName("UpdateShadow")
            .WithSummary("Change a device's desired state")
            .WithDescription(
                """
                Body {"state":{"desired":{..}},"version":N?,"clientToken":".."?}: partial merge, null deletes, arrays replaced whole.
                Apps may set desired only. Optimistic concurrency with "version" or If-Match: "N" (a stale one is 409, as in AWS,
                not 412). Errors: 400 (invalid request, depth > 6, reported), 404 (unknown device), 409 (version), 413 (state > 8 KB).
                Answers the accepted document, with the new version as ETag. The same request with the same clientToken within
                10 minutes (a retry) is answered with the first answer and applied only once.
                """)
            .Accepts<ShadowUpdateRequest>("application/json")
            .Produces<JsonObject>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return api;
    }

    public static async Task<Results<Ok<JsonObject>, StatusCodeHttpResult, ProblemHttpResult>> GetShadow(
        string id, HttpContext http, IShadowStore shadows, DeviceStore devices, CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        var shadow = await shadows.GetAsync(id, cancellationToken);
        if (shadow is null)
        {
            return await devices.FindAsync(id, cancellationToken) is null
                ? ApiProblems.DeviceNotFound(id)
                : ApiProblems.ShadowRejected(ShadowError.NotFound() with { Message = $"The device '{id}' has no shadow yet." });
        }

        http.Response.Headers.ETag = ShadowConditions.ETag(shadow.Version);
        if (ShadowConditions.IfNoneMatchHits(http.Request.Headers.IfNoneMatch, shadow.Version))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(shadow.ToDocument());
    }

    public static async Task<Results<Ok<JsonObject>, ProblemHttpResult>> UpdateShadow(
        string id, HttpContext http, [AsParameters] ShadowServices services, CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        if (!ShadowConditions.TryParseIfMatch(http.Request.Headers.IfMatch, out var ifMatch))
        {
            return ApiProblems.BadRequest("Invalid If-Match", "If-Match must be one quoted shadow version, such as \"3\", or *.");
        }

        var body = await RequestBody.ReadAsync(http.Request, MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return ApiProblems.ShadowRejected(new ShadowError(StatusCodes.Status413PayloadTooLarge,
                $"The request exceeds {MaxBodyBytes} bytes; a shadow's state may hold {ShadowRules.MaxStateBytes} bytes.", null));
        }

        var parsed = ShadowRules.ParseUpdate(body, ShadowWriter.App);
        if (parsed.Error is { } parseError)
        {
            return ApiProblems.ShadowRejected(parseError);
        }

        var update = parsed.Update!;
        if (ifMatch is { } expected)
        {
            if (update.Version is { } inBody && inBody != expected)
            {
                return ApiProblems.ShadowRejected(ShadowError.BadRequest(
                    $"If-Match names version {expected} but the body's version is {inBody}.", update.ClientToken));
            }

            update = WithVersion(update, expected);
        }

        using var activity = ApiDiagnostics.ActivitySource.StartActivity("update shadow");
        activity?.SetTag("iot.device.id", id);

        // Received whole and valid: from here it is carried out whole, whether or not the caller stays connected, so
        // that a stored update is always told to the device. Bounded, and cut short only by shutdown.
        using var work = CancellationTokenSource.CreateLinkedTokenSource(services.Lifetime.ApplicationStopping);
        work.CancelAfter(WorkTimeout);

        // Only registered devices have shadows: an unknown id must not create one.
        if (await services.Devices.FindAsync(id, work.Token) is null)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        var result = await services.Shadows.UpdateAsync(id, update, work.Token);
        if (result.Error is { } error)
        {
            services.Diagnostics.ShadowUpdatesRejected.Add(1);
            return ApiProblems.ShadowRejected(error);
        }

        services.Diagnostics.ShadowUpdates.Add(1);
        http.Response.Headers.ETag = ShadowConditions.ETag(result.State!.Version);
        try
        {
            await services.Notifier.AcceptedAsync(id, result, work.Token);
        }
        catch (Exception ex)
        {
            // Stored, so answered as accepted all the same. The retained delta is repaired in the background, and the
            // device can always shadow/get; the failure is logged and counted.
            services.Diagnostics.ShadowNotificationsFailed.Add(1);
            services.Logger.LogError(ex, "Shadow of {DeviceId} updated to version {Version} but its messages could not all be published", id, result.State.Version);
        }

        return TypedResults.Ok(result.Accepted!);
    }

    private static ShadowUpdate WithVersion(ShadowUpdate update, long version) => new()
    {
        HasDesired = update.HasDesired,
        Desired = update.Desired,
        HasReported = update.HasReported,
        Reported = update.Reported,
        Version = version,
        ClientToken = update.ClientToken,
    };
}

/// <summary>What the shadow update needs from DI, bound with [AsParameters].</summary>
public sealed class ShadowServices(
    IShadowStore shadows,
    DeviceStore devices,
    ShadowNotifier notifier,
    IHostApplicationLifetime lifetime,
    ApiDiagnostics diagnostics,
    ILogger<ShadowServices> logger)
{
    public ApiDiagnostics Diagnostics { get; } = diagnostics;
    public IHostApplicationLifetime Lifetime { get; } = lifetime;
    public ILogger<ShadowServices> Logger { get; } = logger;
    public IShadowStore Shadows { get; } = shadows;
    public DeviceStore Devices { get; } = devices;
    public ShadowNotifier Notifier { get; } = notifier;
}

/// <summary>The PATCH body, for the OpenAPI document (the handler parses the raw JSON with the shadow rules).</summary>
public sealed record ShadowUpdateRequest(ShadowUpdateState State, long? Version, string? ClientToken);

public sealed record ShadowUpdateState(JsonObject? Desired);
