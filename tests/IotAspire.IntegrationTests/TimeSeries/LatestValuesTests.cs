using System.Globalization;
using System.Text.Json;
using IotAspire.IntegrationTests.Infrastructure;
using IotAspire.IntegrationTests.Queries;
using Npgsql;

namespace IotAspire.IntegrationTests.TimeSeries;

/// <summary>
/// Latest values: a batch stores only a series' first value; readers add newer raw points, and the rollup job moves
/// the stored value to the last point of each closed minute. Late points never replace newer ones.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class LatestValuesTests(StackFixture stack)
{
    [Fact]
    public async Task Metrics_BeforeAndAfterTheRollupJob_ListTheNewestValueOfEverySeries()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "latest");
        var day = SentTelemetry.DaysAgo(2);
        var date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        foreach (var message in new[]
        {
            $$"""{"ts":"{{date}}T08:00:00Z","temperature":20,"mode":"idle"}""",
            $$"""{"ts":"{{date}}T08:05:00Z","temperature":21,"mode":"heating"}""",
            $$"""{"ts":"{{date}}T09:00:00Z","temperature":22}""",
            $$"""{"ts":"{{date}}T07:00:00Z","temperature":-1,"mode":"off"}""", // late: older than what is stored
        })
        {
            var sent = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", message);
            Assert.True(sent.ExitCode == 0, sent.Error);
        }

        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), c => c == 7, TimeSpan.FromSeconds(20), "7 points stored");
        Dictionary<string, (string Value, DateTime At)> expected = new()
        {
            ["mode"] = ("heating", day.AddHours(8).AddMinutes(5)),
            ["temperature"] = ("22", day.AddHours(9)),
        };

        // At once, whether or not the job has run: readers add the raw points newer than what is stored.
        Assert.Equal(expected, await MetricsAsync(device.Id));

        // Once the job is done with these minutes, the stored values are the newest themselves.
        await Eventually.ReturnsAsync(() => Database.CountPendingBucketsAsync(stack, day, day.AddDays(1)), c => c == 0,
            TimeSpan.FromSeconds(30), "the rollup job done with that day");
        Assert.Equal(expected, await StoredAsync(device.Id));
        Assert.Equal(expected, await MetricsAsync(device.Id));
    }

    private async Task<Dictionary<string, (string Value, DateTime At)>> MetricsAsync(string deviceId)
    {
        using var json = JsonDocument.Parse(await stack.Api.GetStringAsync($"/api/devices/{deviceId}/metrics"));
        return json.RootElement.EnumerateArray().ToDictionary(
            m => m.GetProperty("name").GetString()!,
            m => (m.GetProperty("lastValue").ToString(),
                  DateTimeOffset.Parse(m.GetProperty("lastTimestamp").GetString()!, CultureInfo.InvariantCulture).UtcDateTime));
    }

    private async Task<Dictionary<string, (string Value, DateTime At)>> StoredAsync(string deviceId)
    {
        await using var connection = new NpgsqlConnection(stack.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT m.name, coalesce(lv.num_value::text, lv.bool_value::text, lv.text_value), lv.ts
            FROM latest_values lv JOIN devices d ON d.key = lv.device_key JOIN metrics m ON m.id = lv.metric_id
            WHERE d.device_id = $1
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deviceId });
        var stored = new Dictionary<string, (string Value, DateTime At)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stored[reader.GetString(0)] = (reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2).UtcDateTime);
        }

        return stored;
    }
}
