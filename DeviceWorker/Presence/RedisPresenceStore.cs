using System.Globalization;
using IotAspire.Core.Presence;
using StackExchange.Redis;

namespace IotAspire.DeviceWorker.Presence;

/// <summary>
/// Live presence in the Redis hash <c>presence:{id}</c> (online "1"/"0", since unix ms). Writes are compare-and-set
/// on the <c>since</c> that was read, so two replicas handling a device's messages at once cannot interleave.
/// </summary>
public sealed class RedisPresenceStore(IConnectionMultiplexer redis)
{
    private static readonly LuaScript CompareAndSet = LuaScript.Prepare("""
        local current = redis.call('HGET', @key, 'since') or ''
        if current ~= @expected then
            return 0
        end
        redis.call('HSET', @key, 'online', @online, 'since', @since)
        return 1
        """);

    public async Task<PresenceState?> GetAsync(string deviceId)
    {
        var fields = await redis.GetDatabase().HashGetAsync(
            PresenceKeys.Key(deviceId), [PresenceKeys.OnlineField, PresenceKeys.SinceField]);
        if (fields[0].IsNullOrEmpty || !long.TryParse((string?)fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var since))
        {
            return null;
        }

        return new PresenceState(fields[0] == "1", DateTimeOffset.FromUnixTimeMilliseconds(since));
    }

    /// <summary>Writes <paramref name="next"/> if the record is still <paramref name="expected"/>; false when it changed meanwhile.</summary>
    public async Task<bool> TrySetAsync(string deviceId, PresenceState? expected, PresenceState next)
    {
        var written = (long)await redis.GetDatabase().ScriptEvaluateAsync(CompareAndSet, new
        {
            key = (RedisKey)PresenceKeys.Key(deviceId),
            expected = expected is null ? "" : Millis(expected.Since),
            online = next.Online ? "1" : "0",
            since = Millis(next.Since),
        });
        return written == 1;
    }

    private static string Millis(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
}
