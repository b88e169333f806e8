using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.DeviceWorker.Telemetry;

/// <summary>
/// Public device id -> <c>devices.key</c> of registered, not revoked devices, cached for a short time.
/// Unknown ids are not cached: a device registered a moment ago is found on its next message.
/// </summary>
public sealed class DeviceDirectory(NpgsqlDataSource dataSource, IOptions<TelemetryOptions> options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, (long Key, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    /// <summary>The keys of those <paramref name="deviceIds"/> that are registered; the others are missing from the result.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ResolveAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var found = new Dictionary<string, long>(deviceIds.Count, StringComparer.Ordinal);
        var misses = new List<string>();
        foreach (var id in deviceIds)
        {
            if (_cache.TryGetValue(id, out var entry) && entry.Expires > now)
            {
                found[id] = entry.Key;
            }
            else
            {
                misses.Add(id);
            }
        }

        if (misses.Count == 0)
        {
            return found;
        }

        await using var command = dataSource.CreateCommand(
            "SELECT device_id, key FROM devices WHERE device_id = ANY($1) AND revoked_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. misses] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var expires = now.AddSeconds(options.Value.DeviceCacheSeconds);
        while (await reader.ReadAsync(cancellationToken))
        {
            var id = reader.GetString(0);
            var key = reader.GetInt64(1);
            found[id] = key;
            _cache[id] = (key, expires);
        }

        return found;
    }
}
