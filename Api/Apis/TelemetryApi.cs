using System.ComponentModel.DataAnnotations;
using IotAspire.Api.Data;
using IotAspire.Api.Model;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace IotAspire.Api.Apis;

/// <summary>Stored telemetry of one device: raw points of a metric, and the latest value of every metric.</summary>
public static class TelemetryApi
{
    public static RouteGroupBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("devices/{id}").WithTags("Telemetry")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/telemetry", GetTelemetry)
            .WithName("GetTelemetry")
            .WithSummary("Raw points of one metric, ordered by time")
            .WithDescription("The range is [from, to), by default the last 24 hours. Keyset paging: pass the response's 'next' "
                + "(or the last point's time) as 'after'. An unknown metric of a known device gives no points.");

        api.MapGet("/metrics", GetMetrics)
            .WithName("GetMetrics")
            .WithSummary("The metrics a device has sent, with their latest value and time");

        return api;
    }

    public static async Task<Results<Ok<TelemetryPage>, ProblemHttpResult>> GetTelemetry(
        string id,
        [Required, StringLength(TelemetryRules.MaxMetricLength, MinimumLength = 1)] string? metric,
        DateTimeOffset? from,
        DateTimeOffset? to,
        [Range(1, TelemetryRules.MaxLimit)] int? limit,
        string? after,
        TelemetryStore store,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        if (string.IsNullOrEmpty(metric) || metric.Length > TelemetryRules.MaxMetricLength)
        {
            return ApiProblems.BadRequest("Invalid metric", $"'metric' is required: 1-{TelemetryRules.MaxMetricLength} characters.");
        }

        if (!TimeRange.TryCreate(from, to, timeProvider.GetUtcNow(), out var range, out var rangeError))
        {
            return ApiProblems.BadRequest("Invalid time range", rangeError);
        }

        if (limit is < 1 or > TelemetryRules.MaxLimit)
        {
            return ApiProblems.BadRequest("Invalid limit", $"'limit' must be between 1 and {TelemetryRules.MaxLimit}.");
        }

        DateTime? afterTime = null;
        if (!string.IsNullOrEmpty(after))
        {
            if (!TelemetryCursor.TryParse(after, out var parsed))
            {
                return ApiProblems.BadRequest("Invalid cursor", "'after' must be the previous page's 'next' or an ISO-8601 timestamp.");
            }

            afterTime = parsed;
        }

        var series = await store.FindSeriesAsync(id, metric, cancellationToken);
        if (series is null)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        if (series.MetricId is not { } metricId)
        {
            return TypedResults.Ok(new TelemetryPage(id, metric, [], null));
        }

        var take = limit ?? TelemetryRules.DefaultLimit;
        // One extra row tells whether another page follows.
        var rows = await store.ReadPointsAsync(series.DeviceKey, metricId, range.From, range.To, afterTime, take + 1, cancellationToken);
        var points = rows.Take(take).Select(row => new TelemetryPoint(row.Timestamp, row.Value)).ToList();
        var next = rows.Count > take ? TelemetryCursor.Encode(points[^1].T) : null;
        return TypedResults.Ok(new TelemetryPage(id, metric, points, next));
    }

    public static async Task<Results<Ok<MetricDto[]>, ProblemHttpResult>> GetMetrics(
        string id, TelemetryStore store, CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        if (await store.FindDeviceKeyAsync(id, cancellationToken) is not { } deviceKey)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        var latest = await store.ReadLatestAsync(deviceKey, cancellationToken);
        return TypedResults.Ok(latest.Select(row => new MetricDto(row.Metric, row.Latest.Value, row.Latest.Timestamp)).ToArray());
    }
}
