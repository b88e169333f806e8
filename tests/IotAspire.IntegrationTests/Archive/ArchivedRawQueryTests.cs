using System.Globalization;
using System.Text.Json;
using IotAspire.Core.Telemetry;
using IotAspire.Core.Telemetry.Maintenance;
using IotAspire.IntegrationTests.Infrastructure;
using IotAspire.IntegrationTests.Queries;
using Npgsql;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>
/// Retention after the Archiver, on the stack's own database: exported days go, an unexported one stays, and raw
/// queries over the dropped days are answered from the archive through the Api, in the same shape and pages.
/// Days in February 2002 and a fixed "now" keep every other test's data out of retention's reach.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchivedRawQueryTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly DateOnly FirstDay = new(2002, 2, 10);
    private static readonly DateTimeOffset Now = new(2002, 2, 20, 0, 0, 0, TimeSpan.Zero);
    private NpgsqlDataSource _dataSource = null!;

    public Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var day in Enumerable.Range(0, 4).Select(d => FirstDay.AddDays(d)))
        {
            await ExecuteAsync($"DROP TABLE IF EXISTS telemetry_p{day:yyyyMMdd}");
        }

        await ExecuteAsync("DELETE FROM telemetry_raw_dropped WHERE day >= '2002-02-01' AND day < '2002-03-01'");
        await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task RawQuery_DaysRetentionDroppedAfterExport_AnswersTheArchivedPointsThroughTheApi()
    {
        var device = DeviceCredentials.NewId("archived");
        var points = KnownTelemetry.Make(FirstDay, days: 3, perSeries: 120, seed: 5, devices: [device]);
        await KnownTelemetry.WriteAsync(_dataSource, points);
        await new ArchiverProcess(stack.DatabaseConnectionString, stack.ArchiveRoot).RunToCompletionAsync();

        // A day written after the export: nothing archives it, so retention keeps it.
        var unexported = KnownTelemetry.Make(FirstDay.AddDays(3), days: 1, perSeries: 30, seed: 6, devices: [device]);
        await KnownTelemetry.WriteAsync(_dataSource, unexported);

        var result = await Eventually.ReturnsAsync(
            () => TelemetryRetention.RunAsync(_dataSource, new RetentionOptions { RawEnabled = true, RequireArchive = true, RawDays = 3 }, Now, CancellationToken.None),
            r => r.LockTaken, TimeSpan.FromSeconds(20), "the maintenance lock taken");
        var mine = Enumerable.Range(0, 3).Select(d => $"telemetry_p{FirstDay.AddDays(d):yyyyMMdd}").ToList();
        Assert.Equal(mine, result.Dropped.Select(p => p.Name).Where(mine.Contains));
        Assert.Contains("telemetry_p20020213", result.NotArchived);
        Assert.True(await ScalarAsync<bool>("SELECT to_regclass('telemetry_p20020213') IS NOT NULL"));

        foreach (var metric in KnownTelemetry.Metrics)
        {
            var expected = points.Concat(unexported).Where(p => p.Metric == metric).OrderBy(p => p.Micros).ToList();
            var answered = await ReadAllPagesAsync(device, metric, pageSize: 100);
            Assert.Equal(expected.Select(p => (p.Time, p.Value)), answered);
        }
    }

    [Fact]
    public async Task ArchiveStatus_AfterAnExport_ShowsWatermarkDaysAndBytesToAdminsOnly()
    {
        var device = DeviceCredentials.NewId("archived-status");
        await KnownTelemetry.WriteAsync(_dataSource, KnownTelemetry.Make(FirstDay, days: 1, perSeries: 10, seed: 7, devices: [device]));
        await new ArchiverProcess(stack.DatabaseConnectionString, stack.ArchiveRoot).RunToCompletionAsync();

        using var response = await stack.Api.GetAsync("/api/archive/status");
        var status = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.True(status.GetProperty("exportedUntil").GetDateTime() >= DateTime.UtcNow.Date.AddDays(-1));
        Assert.Equal(0, status.GetProperty("lagSeconds").GetInt64());
        Assert.True(status.GetProperty("days").GetInt32() >= 1 && status.GetProperty("bytes").GetInt64() > 0);
        Assert.NotEqual(JsonValueKind.Null, status.GetProperty("lastSuccessAt").ValueKind);

        using var viewer = stack.ApiAs("viewer");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await viewer.GetAsync("/api/archive/status")).StatusCode);
    }

    /// <summary>Every raw point of one series over the four days, following "next" from page to page.</summary>
    private async Task<List<(DateTime, TelemetryValue)>> ReadAllPagesAsync(string device, string metric, int pageSize)
    {
        var points = new List<(DateTime, TelemetryValue)>();
        string? next = null;
        do
        {
            var query = $"metric={metric}&from=2002-02-10T00:00:00Z&to=2002-02-14T00:00:00Z&interval=raw&limit={pageSize}"
                + (next is null ? "" : $"&after={Uri.EscapeDataString(next)}");
            var answer = await TelemetryAnswer.GetAsync(stack, device, query);
            Assert.Equal("raw", answer.Resolution);
            var series = answer.Root.GetProperty("series")[0];
            points.AddRange(series.GetProperty("points").EnumerateArray().Select(p => (
                DateTimeOffset.Parse(p.GetProperty("t").GetString()!, CultureInfo.InvariantCulture).UtcDateTime, Value(p.GetProperty("value")))));
            next = series.TryGetProperty("next", out var cursor) && cursor.ValueKind == JsonValueKind.String ? cursor.GetString() : null;
        }
        while (next is not null);

        return points;
    }

    private static TelemetryValue Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => TelemetryValue.FromNumber(value.GetDouble()),
        JsonValueKind.True or JsonValueKind.False => TelemetryValue.FromBoolean(value.GetBoolean()),
        _ => TelemetryValue.FromText(value.GetString()!),
    };

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
