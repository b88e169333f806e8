using IotAspire.Api.Queries;
using System.ComponentModel;
using System.Diagnostics;
using IotAspire.Api.Data;
using IotAspire.Api.Infrastructure;
using IotAspire.Api.Model;
using IotAspire.Api.Security;
using IotAspire.Core.Protocol;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IotAspire.Api.Apis;

/// <summary>Stored telemetry of one device: raw points or buckets of several metrics, and the latest value of every metric.</summary>
public static class TelemetryApi
{
    public static RouteGroupBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("devices/{id}").WithTags("Telemetry").RequirePolicy(ApiRoles.ViewerPolicy)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/telemetry", GetTelemetry)
            .WithName("GetTelemetry")
            .WithSummary("Raw points or buckets (min, max, avg, count) of one or more metrics over a time range")
            .WithDescription(
                "The range is [from, to), by default the last 24 hours, at most 3 years. With interval=raw every series holds raw points. "
                + "With a bucket 'interval' (1m, 5m, 15m, 1h, 6h, 1d) "
                + "every series holds buckets aligned to the Unix epoch (UTC) that overlap the range, at most 10,000 per series; "
                + "only numeric values are bucketed. Without 'interval' the answer is raw when no series holds more than ~2,000 "
                + "points in the range, else buckets of the finest interval that keeps each series within 2,000 buckets; "
                + "'resolution' says which. Raw series are ordered by time and paged by key: when a series has 'next', ask "
                + "again for that one metric with after=next. An unknown metric of a known device gives an empty series.");

        api.MapGet("/metrics", GetMetrics)
            .WithName("GetMetrics")
            .WithSummary("The metrics a device has sent, with their latest value and time");

        return api;
    }

    public static async Task<Results<TelemetryJsonResult, ProblemHttpResult>> GetTelemetry(
        string id,
        [Description("A metric name (1-128 characters); repeat for up to 10 metrics: metric=a&metric=b.")] string[]? metric,
        [Description("Start of the range (inclusive, ISO-8601); default: 24 hours before 'to'.")] DateTimeOffset? from,
        [Description("End of the range (exclusive, ISO-8601); default: now.")] DateTimeOffset? to,
        [Description("raw, or a bucket width: 1m, 5m, 15m, 1h, 6h, 1d. Leave out to let the server choose raw points or buckets.")] string? interval,
        [Description("Raw points per series and page, 1-10000; default 2000. Not used for buckets.")] int? limit,
        [Description("Keyset cursor: a series' 'next' (or an ISO-8601 time). Only with one metric, and no interval or interval=raw.")] string? after,
        TelemetryReader store,
        TimeProvider timeProvider,
        ApiDiagnostics diagnostics,
        CancellationToken cancellationToken)
    {
        if (!DeviceId.IsValid(id))
        {
            return ApiProblems.InvalidDeviceId(id);
        }

        if (!TelemetryQuery.TryCreate(metric, from, to, interval, limit, after, timeProvider.GetUtcNow(), out var query, out var error))
        {
            return ApiProblems.BadRequest(error.Title, error.Detail);
        }

        if (query.Interval is not { } resolution)
        {
            // The only case with a second round trip: the series' sizes, from the hourly rollup (never by counting raw rows).
            if (await store.EstimateMaxPointsAsync(id, query.Metrics, query.Range, cancellationToken) is not { } estimate)
            {
                return ApiProblems.DeviceNotFound(id);
            }

            resolution = ResolutionPolicy.ChooseAutomatic(query.Range, estimate);
        }

        var series = resolution == TelemetryResolution.Raw
            ? await ReadRawAsync(store, id, query, cancellationToken)
            : await ReadBucketsAsync(store, id, query, resolution, cancellationToken);
        if (series is null)
        {
            return ApiProblems.DeviceNotFound(id);
        }

        var resolutionName = TelemetryResolutions.Name(resolution);
        Activity.Current?.SetTag("iot.telemetry.resolution", resolutionName);
        diagnostics.TelemetryQueries.Add(1, new KeyValuePair<string, object?>("iot.telemetry.resolution", resolutionName));
        return new TelemetryJsonResult(new TelemetryResponse(id, query.Range.From, query.Range.To, resolution, series));
    }

    public static async Task<Results<Ok<MetricDto[]>, ProblemHttpResult>> GetMetrics(
        string id, TelemetryReader store, CancellationToken cancellationToken)
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
        return TypedResults.Ok(latest.Select(MetricDto.From).ToArray());
    }

    /// <summary>The raw series of the query, in the order asked; null when the device is unknown.</summary>
    private static async Task<TelemetrySeries[]?> ReadRawAsync(
        TelemetryReader store, string deviceId, TelemetryQuery query, CancellationToken cancellationToken)
    {
        // One extra row per series tells whether another page follows.
        var rows = await store.ReadPointsAsync(deviceId, query.Metrics, query.Range, query.After, query.Limit + 1, cancellationToken);
        if (rows is null)
        {
            return null;
        }

        var series = new TelemetrySeries[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var page = rows[i];
            var points = new RawPointPage(page, query.Limit);
            var next = page.Count > query.Limit ? TelemetryCursor.Encode(points[^1].T) : null;
            series[i] = new RawSeries(query.Metrics[i], points, next);
        }

        return series;
    }

    /// <summary>The bucketed series of the query, in the order asked; null when the device is unknown.</summary>
    private static async Task<TelemetrySeries[]?> ReadBucketsAsync(
        TelemetryReader store, string deviceId, TelemetryQuery query, TelemetryResolution interval, CancellationToken cancellationToken)
    {
        var rows = await store.ReadBucketsAsync(deviceId, query.Metrics, query.Range, interval, cancellationToken);
        if (rows is null)
        {
            return null;
        }

        var series = new TelemetrySeries[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            var stored = rows[i];
            var buckets = new TelemetryBucket[stored.Count];
            for (var b = 0; b < buckets.Length; b++)
            {
                var row = stored[b];
                buckets[b] = new TelemetryBucket(row.Bucket, row.Min, row.Max, row.Sum / row.Count, row.Count);
            }

            series[i] = new BucketSeries(query.Metrics[i], buckets);
        }

        return series;
    }
}
