using IotAspire.Api.Infrastructure;
using IotAspire.Api.Model;
using IotAspire.Core.Mqtt;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IotAspire.Api.Apis;

/// <summary>
/// The fleet claim: the one broker account every device of a fleet holds before it has its own, allowed only to ask
/// for one on provisioning/{id}/request. An administrator rotates it (e.g. after a leak) or switches it off and on.
/// </summary>
public static class FleetClaimApi
{
    public static RouteGroupBuilder MapFleetClaimApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("fleet-claim").WithTags("Fleet provisioning");

        api.MapPost("/rotate", RotateFleetClaim)
            .WithName("RotateFleetClaim")
            .WithSummary("Replace the fleet claim password")
            .WithDescription(
                "The old password stops working for new connections; the new one is returned only in this response. "
                + "Claim sessions already connected stay until they disconnect: disable and enable to drop them at once. "
                + "Restarts keep the rotated password (the configured one applies again only when its value is changed).")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/disable", DisableFleetClaim)
            .WithName("DisableFleetClaim")
            .WithSummary("Switch the fleet claim off")
            .WithDescription("Connected claim sessions are disconnected at once; no device can provision itself until it is enabled.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapPost("/enable", EnableFleetClaim)
            .WithName("EnableFleetClaim")
            .WithSummary("Switch the fleet claim on again")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return api;
    }

    public static async Task<Results<Ok<FleetClaimCredentials>, ProblemHttpResult>> RotateFleetClaim(
        IBrokerAccounts broker,
        MqttPublicEndpoint endpoint,
        ApiDiagnostics diagnostics,
        ILogger<FleetClaimCredentials> logger,
        CancellationToken cancellationToken)
    {
        var password = DevicesApi.NewPassword();
        if (await TryAsync(() => broker.SetServicePasswordAsync(ServiceAccounts.FleetClaimUsername, password, cancellationToken),
                "rotate", diagnostics, logger, cancellationToken) is { } failure)
        {
            return failure;
        }

        logger.LogWarning("The fleet claim password was rotated");
        return TypedResults.Ok(new FleetClaimCredentials(
            new MqttCredentials(endpoint.Host, endpoint.Port, ServiceAccounts.FleetClaimUsername, password)));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DisableFleetClaim(
        IBrokerAccounts broker, ApiDiagnostics diagnostics, ILogger<FleetClaimCredentials> logger, CancellationToken cancellationToken)
    {
        if (await TryAsync(() => broker.DisableServiceAsync(ServiceAccounts.FleetClaimUsername, cancellationToken),
                "disable", diagnostics, logger, cancellationToken) is { } failure)
        {
            return failure;
        }

        logger.LogWarning("The fleet claim was disabled");
        return TypedResults.NoContent();
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> EnableFleetClaim(
        IBrokerAccounts broker, ApiDiagnostics diagnostics, ILogger<FleetClaimCredentials> logger, CancellationToken cancellationToken)
    {
        if (await TryAsync(() => broker.EnableServiceAsync(ServiceAccounts.FleetClaimUsername, cancellationToken),
                "enable", diagnostics, logger, cancellationToken) is { } failure)
        {
            return failure;
        }

        logger.LogWarning("The fleet claim was enabled");
        return TypedResults.NoContent();
    }

    private static Task<ProblemHttpResult?> TryAsync(
        Func<Task> call, string action, ApiDiagnostics diagnostics, ILogger logger, CancellationToken cancellationToken) =>
        BrokerCalls.TryAsync(call, $"{action} the fleet claim", $"The broker did not {action} the fleet claim; nothing changed. Try again.",
            diagnostics, logger, cancellationToken);
}

/// <summary>Answer to a fleet claim rotation: the claim's new MQTT credentials (shown once).</summary>
public sealed record FleetClaimCredentials(MqttCredentials Mqtt);
