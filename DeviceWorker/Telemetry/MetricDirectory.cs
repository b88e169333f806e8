using System.Collections.Concurrent;
using Npgsql;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Metric name -> <c>metrics.id</c>, interned on first sight. Insert-if-absent then select, so several replicas
/// seeing a new name at once agree on one id. Ids never change, so the cache never expires.
/// </summary>
public sealed class MetricDirectory(NpgsqlDataSource dataSource)
{
    private readonly ConcurrentDictionary<string, int> _cache = new(StringComparer.Ordinal);

    public async Task<IReadOnlyDictionary<string, int>> ResolveAsync(IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, int>(names.Count, StringComparer.Ordinal);
        var misses = new List<string>();
        foreach (var name in names)
        {
            if (_cache.TryGetValue(name, out var id))
            {
                found[name] = id;
            }
            else
            {
                misses.Add(name);
            }
        }

        if (misses.Count == 0)
        {
            return found;
        }

        // Sorted, so that two replicas inserting overlapping names take their locks in the same order.
        misses.Sort(StringComparer.Ordinal);
        string[] missing = [.. misses];
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO metrics (name) SELECT n FROM unnest($1::text[]) AS n ORDER BY n COLLATE \"C\" ON CONFLICT (name) DO NOTHING"))
        {
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = missing });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var select = dataSource.CreateCommand("SELECT name, id FROM metrics WHERE name = ANY($1)");
        select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = missing });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var name = reader.GetString(0);
            var id = reader.GetInt32(1);
            found[name] = id;
            _cache[name] = id;
        }

        return found;
    }
}
