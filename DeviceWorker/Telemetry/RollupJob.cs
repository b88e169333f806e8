using IotAspire.Core.Telemetry;
using IotAspire.Core.Data;
using Npgsql;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Computes the rollups of closed buckets that batches marked pending (schema 0005): each closed minute from its raw
/// rows (and the latest values from its last points, schema 0007), then each closed hour whose minutes are all done
/// from its minute rollups, replacing what was stored. Each bucket is one transaction, and its mark is cleared only if
/// no batch marked it again meanwhile. A session advisory lock lets one replica run at a time. A bucket that fails
/// stays pending for the next run; the others go on.
/// </summary>
public sealed class RollupJob(NpgsqlDataSource dataSource)
{
    private const long LockId = 0x1077A5_2011;

    private const string ClosedMinutes = """
        SELECT bucket, version FROM telemetry_pending
        WHERE width = interval '1 minute' AND bucket + width <= $1
        ORDER BY bucket LIMIT $2
        """;

    // An hour waits until none of its minutes is pending: it is computed from them.
    private const string ClosedHours = """
        SELECT h.bucket, h.version FROM telemetry_pending h
        WHERE h.width = interval '1 hour' AND h.bucket + h.width <= $1
          AND NOT EXISTS (SELECT 1 FROM telemetry_pending m
                          WHERE m.width = interval '1 minute' AND m.bucket >= h.bucket AND m.bucket < h.bucket + h.width)
        ORDER BY h.bucket LIMIT $2
        """;

    // In READ COMMITTED this reads the mark as committed now: a batch that marked the bucket after our read raised
    // the version, and the mark stays for the next run.
    private const string ClearMark = "DELETE FROM telemetry_pending WHERE width = $1 AND bucket = $2 AND version = $3";

    /// <summary>One run: up to <paramref name="maxBuckets"/> minutes and as many hours that ended at or before <paramref name="closedBefore"/>.</summary>
    public async Task<RollupRunResult> RunAsync(DateTimeOffset closedBefore, int maxBuckets, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await SessionAdvisoryLock.TryTakeAsync(connection, LockId, cancellationToken))
        {
            return RollupRunResult.Skipped;
        }

        try
        {
            var failures = new List<RollupFailure>();
            var minutes = await RollUpAsync(connection, ClosedMinutes, RollupWidth.Minute, closedBefore, maxBuckets, failures, cancellationToken);
            var hours = await RollUpAsync(connection, ClosedHours, RollupWidth.Hour, closedBefore, maxBuckets, failures, cancellationToken);
            return new RollupRunResult(true, minutes, hours, failures);
        }
        finally
        {
            await SessionAdvisoryLock.ReleaseAsync(connection, LockId);
        }
    }

    private static async Task<RollupCount> RollUpAsync(
        NpgsqlConnection connection, string pendingSql, RollupWidth width, DateTimeOffset closedBefore, int maxBuckets,
        List<RollupFailure> failures, CancellationToken cancellationToken)
    {
        var due = new List<(DateTime Bucket, long Version)>();
        await using (var command = new NpgsqlCommand(pendingSql, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = closedBefore.UtcDateTime });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxBuckets });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add((reader.GetDateTime(0), reader.GetInt64(1)));
            }
        }

        var count = new RollupCount(0, 0, due.Count == maxBuckets);
        foreach (var (bucket, version) in due)
        {
            try
            {
                var rows = await RollUpBucketAsync(connection, width, bucket, version, cancellationToken);
                count = count with { Buckets = count.Buckets + 1, Rows = count.Rows + rows };
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && connection.State == System.Data.ConnectionState.Open)
            {
                failures.Add(new RollupFailure(width, new DateTimeOffset(bucket, TimeSpan.Zero), ex));
            }
        }

        return count;
    }

    private static async Task<long> RollUpBucketAsync(
        NpgsqlConnection connection, RollupWidth width, DateTime bucket, long version, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long rows;
        await using (var rollup = new NpgsqlCommand(width == RollupWidth.Minute ? "SELECT iot_rollup_minute($1)" : "SELECT iot_rollup_hour($1)", connection, transaction))
        {
            rollup.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = bucket });
            rows = (long)(await rollup.ExecuteScalarAsync(cancellationToken))!;
        }

        if (width == RollupWidth.Minute)
        {
            // Keeps latest_values within about a minute (see LatestValues).
            await using var latest = new NpgsqlCommand(LatestValues.MoveToClosedMinute, connection, transaction);
            latest.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = bucket });
            await latest.ExecuteScalarAsync(cancellationToken);
        }

        await using (var clear = new NpgsqlCommand(ClearMark, connection, transaction))
        {
            clear.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = width.Length });
            clear.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = bucket });
            clear.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
            await clear.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return rows;
    }
}
