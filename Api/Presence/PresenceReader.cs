using IotAspire.Core.Presence;
using StackExchange.Redis;

namespace IotAspire.Api.Presence;

/// <summary>A device's live presence as the worker keeps it in Redis (hash <c>presence:{id}</c>).</summary>
public sealed record DevicePresence(bool Online, DateTimeOffset? Since)
{
    public static readonly DevicePresence Unknown = new(false, null);
}

/// <summary>Reads live presence; a page of devices costs one pipelined round trip.</summary>
public sealed class PresenceReader(IConnectionMultiplexer redis)
{
    private static readonly RedisValue[] Fields = [PresenceKeys.OnlineField, PresenceKeys.SinceField];

    public async Task<DevicePresence> GetAsync(string deviceId) =>
        Parse(await redis.GetDatabase().HashGetAsync(PresenceKeys.Key(deviceId), Fields));

    public async Task<IReadOnlyDictionary<string, DevicePresence>> GetManyAsync(IReadOnlyCollection<string> deviceIds)
    {
        if (deviceIds.Count == 0)
        {
            return new Dictionary<string, DevicePresence>();
        }

        var batch = redis.GetDatabase().CreateBatch();
        var reads = deviceIds.Select(id => (Id: id, Values: batch.HashGetAsync(PresenceKeys.Key(id), Fields))).ToList();
        batch.Execute();
        await Task.WhenAll(reads.Select(r => r.Values));

        var presence = new Dictionary<string, DevicePresence>(reads.Count, StringComparer.Ordinal);
        foreach (var (id, values) in reads)
        {
            presence[id] = Parse(await values);
        }

        return presence;
    }

    internal static DevicePresence Parse(RedisValue[] values)
    {
        var online = values.Length > 0 && values[0] == "1";
        DateTimeOffset? since = values.Length > 1 && values[1].TryParse(out long unixMs)
            ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs)
            : null;
        return new DevicePresence(online, since);
    }
}
