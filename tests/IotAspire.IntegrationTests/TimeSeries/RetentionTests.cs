using IotAspire.Core.Telemetry.Maintenance;
using IotAspire.IntegrationTests.Infrastructure;
using Npgsql;

namespace IotAspire.IntegrationTests.TimeSeries;

/// <summary>
/// Retention against the real schema, with a fixed "now" in January 2001 and a device of its own, so that no other
/// test's data (2025-11-26 and today) is ever inside the windows it drops. Runs the maintenance directly, as the
/// worker's TelemetryMaintenanceService does on its schedule.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RetentionTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly DateTimeOffset FirstDay = new(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Now = new(2001, 1, 11, 12, 0, 0, TimeSpan.Zero);
    private const int Days = 10;
    private const int PointsPerDay = 4_000;

    private NpgsqlDataSource _dataSource = null!;
    private DateTime? _savedWatermark;

    public async Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        _savedWatermark = await ScalarAsync<DateTime?>("SELECT exported_until FROM archive_watermarks WHERE name = 'telemetry'");
        await ExecuteAsync("DELETE FROM archive_watermarks WHERE name = 'telemetry'");
    }

    public async Task DisposeAsync()
    {
        await ExecuteAsync("DELETE FROM archive_watermarks WHERE name = 'telemetry'");
        if (_savedWatermark is { } saved)
        {
            await ExecuteAsync("INSERT INTO archive_watermarks (name, exported_until) VALUES ('telemetry', $1)", saved);
        }

        // Leave nothing of 2001 behind, so each test starts from the same state.
        await ExecuteAsync("DELETE FROM telemetry_raw_dropped WHERE day < '2002-01-01'");
        await ExecuteAsync("DELETE FROM archive_days WHERE day < '2002-01-01'");
        await using (var command = _dataSource.CreateCommand(
            "SELECT relname::text FROM pg_class WHERE relkind = 'r' AND relname ~ '^telemetry(_1m|_1h)?_p2001'"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            var names = new List<string>();
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }

            await reader.CloseAsync();
            foreach (var name in names)
            {
                await ExecuteAsync($"DROP TABLE IF EXISTS \"{name}\"");
            }
        }

        await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task RunAsync_RawRetentionWithArchive_DropsOnlyExportedExpiredDaysAndFreesSpace()
    {
        var deviceKey = await SeedOldDataAsync("retention");
        var options = new RetentionOptions { RawEnabled = true, RequireArchive = true, RawDays = 3, RollupDays = 730, PrecreateDays = 3 };
        var rollupRows = await RollupRowsAsync(deviceKey);
        Assert.True(rollupRows.Minute > 0 && rollupRows.Hour > 0);

        // Without a watermark nothing raw goes, even though every day but the last three is past RawDays.
        var unarchived = await RunAsync(options);
        Assert.DoesNotContain(unarchived.Dropped, p => p.Table == "telemetry");
        Assert.Equal(Enumerable.Range(0, Days).Select(DayPartition), await MyRawPartitionsAsync());

        // A watermark older than all of them: still nothing.
        await SetWatermarkAsync(FirstDay.AddDays(-30));
        Assert.DoesNotContain((await RunAsync(options)).Dropped, p => p.Table == "telemetry");
        Assert.Equal(Days * PointsPerDay, await RawRowsAsync(deviceKey));

        // Exported up to Jan 6: days 1..5 go; Jan 6 and later stay (not exported), although Jan 6..8 are past RawDays.
        await SetWatermarkAsync(FirstDay.AddDays(5));
        var sizeBefore = await TelemetrySizeAsync();
        var first = await RunAsync(options);

        // The last point of the dropped days became the stored latest value; readers still get the newest raw point.
        Assert.Equal(LastPointOfDay(4), await StoredLatestAsync(deviceKey));
        Assert.Equal(LastPointOfDay(Days - 1), await ReadLatestAsync(deviceKey));
        Assert.Equal(Enumerable.Range(0, 5).Select(DayPartition), first.Dropped.Where(p => p.Table == "telemetry").Select(p => p.Name).Where(IsMine));
        Assert.Equal(Enumerable.Range(5, 5).Select(DayPartition), await MyRawPartitionsAsync());
        Assert.Equal(5 * PointsPerDay, await RawRowsAsync(deviceKey));
        var sizeAfter = await TelemetrySizeAsync();
        Assert.True(sizeAfter < sizeBefore - 5 * PointsPerDay * 40, $"telemetry took {sizeBefore} bytes before and {sizeAfter} after");

        // Exported past RawDays: now RawDays limits. Cutoff Jan 8 12:00: Jan 6 and 7 go, Jan 8 (ends Jan 9) stays.
        await SetWatermarkAsync(Now);
        var second = await RunAsync(options);
        Assert.Equal([DayPartition(5), DayPartition(6)], second.Dropped.Where(p => p.Table == "telemetry").Select(p => p.Name).Where(IsMine));
        Assert.Equal(Enumerable.Range(7, 3).Select(DayPartition), await MyRawPartitionsAsync());
        Assert.Equal(3 * PointsPerDay, await RawRowsAsync(deviceKey));

        // The dropped days are recorded: late points into them no longer change their rollups.
        Assert.Equal(
            Enumerable.Range(0, 7).Select(d => FirstDay.AddDays(d)),
            (await DroppedDaysAsync()).Where(d => d.Year == 2001));

        // Rollups outlive the raw rows: every bucket of the dropped days is still there and queryable.
        Assert.Equal(rollupRows, await RollupRowsAsync(deviceKey));
        Assert.DoesNotContain(second.Dropped, p => p.Name.StartsWith("telemetry_1", StringComparison.Ordinal) && IsMine(p.Name));

        // Partitions for "today" .. today + PrecreateDays exist.
        foreach (var name in new[] { "telemetry_p20010111", "telemetry_p20010114", "telemetry_1m_p200101", "telemetry_1h_p200101" })
        {
            Assert.True(await ScalarAsync<bool>($"SELECT to_regclass('{name}') IS NOT NULL"), $"{name} was not created");
        }
    }

    [Fact]
    public async Task RunAsync_ExportedDayWithALatePointNoPartCovers_IsKeptUntilArchived()
    {
        var deviceKey = await SeedOldDataAsync("retention-late");
        await SetWatermarkAsync(Now);
        await ExecuteAsync("""
            INSERT INTO telemetry (device_key, metric_id, ts, num_value)
            SELECT device_key, metric_id, '2001-01-02T12:00:00.5Z', 1 FROM telemetry WHERE device_key = $1 LIMIT 1
            """, deviceKey);
        var options = new RetentionOptions { RawEnabled = true, RequireArchive = true, RawDays = 3, RollupDays = 730 };

        var result = await RunAsync(options);

        Assert.Contains(DayPartition(1), result.NotArchived);
        Assert.DoesNotContain(result.Dropped, p => p.Name == DayPartition(1));
        Assert.Contains(result.Dropped, p => p.Name == DayPartition(0));
        Assert.Equal([DayPartition(1), DayPartition(7), DayPartition(8), DayPartition(9)], await MyRawPartitionsAsync());

        // Once its late point is archived too, it goes; the drop leaves its day uncovered for a partition made anew.
        await SetWatermarkAsync(Now);
        Assert.Contains((await RunAsync(options)).Dropped, p => p.Name == DayPartition(1));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT covered_rows FROM archive_days WHERE day = '2001-01-02'"));
    }

    [Fact]
    public async Task RunAsync_RawRetentionDisabled_DropsNoRawPartitionEvenWhenExported()
    {
        var deviceKey = await SeedOldDataAsync("retention-off");
        await SetWatermarkAsync(Now);

        var result = await RunAsync(new RetentionOptions { RawEnabled = false, RawDays = 3, RollupDays = 730 });

        Assert.Null(result.RawCutoff);
        Assert.DoesNotContain(result.Dropped, p => p.Table == "telemetry");
        Assert.Equal(Days * PointsPerDay, await RawRowsAsync(deviceKey));
    }

    [Fact]
    public async Task RunAsync_RollupRetention_DropsWholeExpiredMonthsOnly()
    {
        var deviceKey = await SeedOldDataAsync("retention-rollup");

        await ExecuteAsync("SELECT iot_ensure_partition('telemetry_1m', 'month', '2001-02-10Z'), iot_ensure_partition('telemetry_1h', 'month', '2001-02-10Z')");

        // Now = Mar 5, 2001 with RollupDays 30: the cutoff is Feb 3. January ended Feb 1, so it goes; February
        // (ends Mar 1) stays although most of its range is past the cutoff: only whole partitions are dropped.
        var now = new DateTimeOffset(2001, 3, 5, 0, 0, 0, TimeSpan.Zero);
        var result = await RunAsync(new RetentionOptions { RawEnabled = false, RawDays = 3, RollupDays = 30 }, now);

        Assert.Contains(result.Dropped, p => p.Name == "telemetry_1m_p200101");
        Assert.Contains(result.Dropped, p => p.Name == "telemetry_1h_p200101");
        Assert.DoesNotContain(result.Dropped, p => p.Name is "telemetry_1m_p200102" or "telemetry_1h_p200102");
        Assert.True(await ScalarAsync<bool>("SELECT to_regclass('telemetry_1m_p200102') IS NOT NULL AND to_regclass('telemetry_1h_p200102') IS NOT NULL"));
        Assert.Equal((0L, 0L), await RollupRowsAsync(deviceKey));
        Assert.Equal(Days * PointsPerDay, await RawRowsAsync(deviceKey));
    }

    private static string DayPartition(int day) => $"telemetry_p{FirstDay.AddDays(day):yyyyMMdd}";

    /// <summary>The partitions seeded by these tests (January 2001); "now" is in 2001 too, so nothing else is in reach.</summary>
    private static bool IsMine(string partition) => partition.Contains("_p2001", StringComparison.Ordinal);

    /// <summary>The time and value of the last seeded point of day <paramref name="day"/> (0 = Jan 1).</summary>
    private static (DateTimeOffset, double) LastPointOfDay(int day)
    {
        var i = ((day + 1) * PointsPerDay) - 1;
        return (FirstDay + (i * TimeSpan.FromDays(1) / PointsPerDay), i % 100);
    }

    private async Task<(DateTimeOffset, double)> StoredLatestAsync(long deviceKey) =>
        await LatestAsync("SELECT ts, num_value FROM latest_values WHERE device_key = $1", deviceKey);

    private async Task<(DateTimeOffset, double)> ReadLatestAsync(long deviceKey) =>
        await LatestAsync("SELECT ts, num_value FROM iot_latest_values($1)", deviceKey);

    private async Task<(DateTimeOffset, double)> LatestAsync(string sql, long deviceKey)
    {
        await using var command = Command(sql, [deviceKey]);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no latest value");
        return (reader.GetFieldValue<DateTimeOffset>(0), reader.GetDouble(1));
    }

    private static bool IsSeededDay(string partition) =>
        string.CompareOrdinal(partition, DayPartition(0)) >= 0 && string.CompareOrdinal(partition, DayPartition(Days - 1)) <= 0;

    /// <summary>Another replica (the worker) may hold the maintenance lock for a moment: wait for our turn.</summary>
    private async Task<TelemetryMaintenanceResult> RunAsync(RetentionOptions options, DateTimeOffset? now = null) =>
        await Eventually.ReturnsAsync(
            () => TelemetryRetention.RunAsync(_dataSource, options, now ?? Now, CancellationToken.None),
            result => result.LockTaken, TimeSpan.FromSeconds(20), "the maintenance lock taken");

    /// <summary>A device of its own with numbers every ~20 s for ten days of January 2001, and their rollups.</summary>
    private async Task<long> SeedOldDataAsync(string purpose)
    {
        var deviceKey = await ScalarAsync<long>(
            "INSERT INTO devices (device_id, name) VALUES ($1, 'retention test') RETURNING key", DeviceCredentials.NewId(purpose));
        await ExecuteAsync("""
            SELECT iot_ensure_partition('telemetry', 'day', d), iot_ensure_partition('telemetry_1m', 'month', d), iot_ensure_partition('telemetry_1h', 'month', d)
            FROM generate_series($1::timestamptz, $1::timestamptz + interval '9 days', interval '1 day') AS d
            """, FirstDay.UtcDateTime);
        var metricId = await ScalarAsync<int>(
            "WITH i AS (INSERT INTO metrics (name) VALUES ('retention.level') ON CONFLICT (name) DO NOTHING RETURNING id) " +
            "SELECT id FROM i UNION ALL SELECT id FROM metrics WHERE name = 'retention.level'");
        await ExecuteAsync($"""
            INSERT INTO telemetry (device_key, metric_id, ts, num_value)
            SELECT $1, $2, $3::timestamptz + (i * interval '1 day' / {PointsPerDay}), i % 100
            FROM generate_series(0, {Days * PointsPerDay - 1}) AS i
            """, deviceKey, metricId, FirstDay.UtcDateTime);
        // As the worker does for a series it sees first: its latest value is its first point (the rollup job is not
        // involved: nothing here is marked pending).
        await ExecuteAsync("""
            INSERT INTO latest_values (device_key, metric_id, ts, num_value)
            SELECT device_key, metric_id, ts, num_value FROM telemetry WHERE device_key = $1 ORDER BY ts LIMIT 1
            """, deviceKey);
        foreach (var (table, width) in new[] { ("telemetry_1m", "1 minute"), ("telemetry_1h", "1 hour") })
        {
            await ExecuteAsync($"""
                INSERT INTO {table} (device_key, metric_id, bucket, min_value, max_value, sum_value, count, first_ts, last_ts)
                SELECT device_key, metric_id, date_bin('{width}', ts, 'epoch'), min(num_value), max(num_value), sum(num_value), count(*), min(ts), max(ts)
                FROM telemetry WHERE device_key = $1 GROUP BY 1, 2, 3
                """, deviceKey);
        }

        return deviceKey;
    }

    /// <summary>
    /// Stands in for the Archiver: the watermark, and every seeded day before it covered by the manifest (covered rows =
    /// the rows its partition holds now), as an export would leave them.
    /// </summary>
    private async Task SetWatermarkAsync(DateTimeOffset exportedUntil)
    {
        await ExecuteAsync("""
            INSERT INTO archive_watermarks (name, exported_until) VALUES ('telemetry', $1)
            ON CONFLICT (name) DO UPDATE SET exported_until = excluded.exported_until, updated_at = now()
            """, exportedUntil.UtcDateTime);
        await ExecuteAsync("""
            INSERT INTO archive_days (day, covered_rows)
            SELECT (date_trunc('day', ts, 'UTC') AT TIME ZONE 'UTC')::date, count(*) FROM telemetry
            WHERE ts >= '2001-01-01Z' AND ts < '2002-01-01Z' AND ts < $1
            GROUP BY 1
            ON CONFLICT (day) DO UPDATE SET covered_rows = excluded.covered_rows
            """, exportedUntil.UtcDateTime);
    }

    private async Task<List<string>> MyRawPartitionsAsync()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        var partitions = await TelemetryRetention.PartitionsAsync(connection, TelemetryTables.Raw, CancellationToken.None);
        return [.. partitions.Select(p => p.Name).Where(IsSeededDay).Order(StringComparer.Ordinal)];
    }

    private async Task<List<DateTimeOffset>> DroppedDaysAsync()
    {
        await using var command = _dataSource.CreateCommand("SELECT day FROM telemetry_raw_dropped ORDER BY day");
        await using var reader = await command.ExecuteReaderAsync();
        var days = new List<DateTimeOffset>();
        while (await reader.ReadAsync())
        {
            days.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

        return days;
    }

    private Task<long> RawRowsAsync(long deviceKey) => ScalarAsync<long>("SELECT count(*) FROM telemetry WHERE device_key = $1", deviceKey);

    private async Task<(long Minute, long Hour)> RollupRowsAsync(long deviceKey) => (
        await ScalarAsync<long>("SELECT count(*) FROM telemetry_1m WHERE device_key = $1 AND sum_value IS NOT NULL", deviceKey),
        await ScalarAsync<long>("SELECT count(*) FROM telemetry_1h WHERE device_key = $1 AND sum_value IS NOT NULL", deviceKey));

    /// <summary>
    /// pg_total_relation_size of a partitioned table is 0 (the parent has no storage of its own): sum its partitions.
    /// </summary>
    private Task<long> TelemetrySizeAsync() => ScalarAsync<long>(
        "SELECT sum(pg_total_relation_size(relid))::bigint FROM pg_partition_tree('telemetry')");

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }

    private NpgsqlCommand Command(string sql, object[] parameters)
    {
        var command = _dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
