using System.Collections.Concurrent;
using IotAspire.Core.Telemetry.Maintenance;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Makes sure the partitions a batch needs exist (day partitions of telemetry, month partitions of the rollups),
/// remembering the ones known to exist so that a batch normally costs no round trip. Entries expire, and
/// <see cref="Forget"/> clears them, because retention may drop a partition this cache still remembers.
/// </summary>
public sealed class PartitionDirectory(IOptions<TelemetryOptions> options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<(string Table, DateTime LowerBound), DateTimeOffset> _known = new();

    /// <summary>The (table, lower bound) pairs of <paramref name="timestamps"/> that are not known to exist, in lock order.</summary>
    public IReadOnlyList<(PartitionedTable Table, DateTime LowerBound)> Missing(IEnumerable<DateTimeOffset> timestamps)
    {
        var now = timeProvider.GetUtcNow();
        var days = timestamps.Select(TelemetryTables.Raw.LowerBound).Distinct().ToList();
        return [.. TelemetryTables.All
            .SelectMany(table => days.Select(day => table.LowerBound(new DateTimeOffset(day))).Distinct().Order().Select(bound => (table, bound)))
            .Where(p => !(_known.TryGetValue((p.table.Name, p.bound), out var expires) && expires > now))];
    }

    /// <summary>Creates the missing partitions in one statement (its own short transaction, see the caller) and remembers them.</summary>
    public async Task EnsureAsync(NpgsqlConnection connection, IEnumerable<DateTimeOffset> timestamps, CancellationToken cancellationToken)
    {
        var missing = Missing(timestamps);
        if (missing.Count == 0)
        {
            return;
        }

        await using (var command = new NpgsqlCommand(
            "SELECT iot_ensure_partition(p, u, a) FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS x(p, u, a, n) ORDER BY n",
            connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. missing.Select(m => m.Table.Name)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. missing.Select(m => m.Table.Unit)] });
            command.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. missing.Select(m => m.LowerBound)] });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        Remember(missing);
    }

    /// <summary>Records partitions as existing, until the cache time runs out.</summary>
    internal void Remember(IEnumerable<(PartitionedTable Table, DateTime LowerBound)> partitions)
    {
        var expires = timeProvider.GetUtcNow().AddSeconds(options.Value.PartitionCacheSeconds);
        foreach (var (table, lowerBound) in partitions)
        {
            _known[(table.Name, lowerBound)] = expires;
        }
    }

    /// <summary>Forgets every partition, for when an insert found one missing (dropped by retention meanwhile).</summary>
    public void Forget() => _known.Clear();

    /// <summary>The error PostgreSQL raises when no partition accepts a row.</summary>
    public static bool IsMissingPartition(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.CheckViolation } pg
        && pg.MessageText.StartsWith("no partition of relation", StringComparison.Ordinal);
}
