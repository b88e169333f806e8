using System.Text.Json.Nodes;
using StackExchange.Redis;

namespace IotAspire.Core.Shadows;

/// <summary>
/// Shadows in Redis (append-only file on): one hash per device with the document and its version.
/// An update reads, applies <see cref="ShadowRules"/> in C#, and writes back only if the version is still the
/// one it read (compare-and-set in Lua); on a concurrent write it starts over, so no update is ever lost.
/// A request with a clientToken leaves its accepted answer under its fingerprint, written in the same script, for
/// <see cref="ShadowRequestWindow"/>: the same request again (redelivered after a reconnect) gets that answer and
/// changes nothing.
/// </summary>
public sealed class RedisShadowStore(IConnectionMultiplexer redis, TimeProvider clock) : IShadowStore
{
    private const string DocumentField = "doc";
    private const int LockStripes = 256;
    private const string VersionField = "v";
    private const int MaxAttempts = 64;

    private static readonly LuaScript CompareAndSet = LuaScript.Prepare("""
        if @request ~= '' and redis.call('EXISTS', @request) == 1 then
            return 2
        end
        local current = redis.call('HGET', @key, 'v')
        if (current or '0') ~= @expected then
            return 0
        end
        redis.call('HSET', @key, 'doc', @doc, 'v', @version)
        if @request ~= '' then
            redis.call('SET', @request, @answer, 'EX', @window)
        end
        return 1
        """);

    public static RedisKey Key(string deviceId) => "shadow:" + deviceId;

    private static string RequestKey(string deviceId, string fingerprint) => $"shadow-request:{deviceId}:{fingerprint}";

    public async Task<ShadowState?> GetAsync(string deviceId, CancellationToken cancellationToken)
    {
        var document = await redis.GetDatabase().HashGetAsync(Key(deviceId), DocumentField);
        return document.IsNullOrEmpty ? null : ShadowState.FromStorage(JsonNode.Parse((string)document!)!.AsObject());
    }

    // Writers of one device inside this process take turns, so compare-and-set only ever races with other
    // processes (replicas), where collisions are rare; without it, many local writers of one device starve each other.
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, LockStripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<ShadowApplyResult> UpdateAsync(string deviceId, ShadowUpdate update, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(deviceId) % LockStripes)];
        await stripe.WaitAsync(cancellationToken);
        try
        {
            return await UpdateWithRetriesAsync(deviceId, update, cancellationToken);
        }
        finally
        {
            stripe.Release();
        }
    }

    private async Task<ShadowApplyResult> UpdateWithRetriesAsync(string deviceId, ShadowUpdate update, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var key = Key(deviceId);
        var fingerprint = update.RequestFingerprint();
        var request = fingerprint is null ? "" : RequestKey(deviceId, fingerprint);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = await GetAsync(deviceId, cancellationToken);
            var result = ShadowRules.Apply(current, update, clock.GetUtcNow());
            if (result.Error is not null)
            {
                // A request sent again with its version is refused by that version now: answer it as the first time.
                return request.Length > 0 && await FirstAnswerAsync(database, request) is { } answer
                    ? ShadowApplyResult.Repeat(current, answer)
                    : result;
            }

            var written = (long)await database.ScriptEvaluateAsync(CompareAndSet, new
            {
                key,
                request = (RedisKey)request,
                expected = (current?.Version ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture),
                doc = result.State!.ToStorage().ToJsonString(),
                version = result.State.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                answer = result.Accepted!.ToJsonString(),
                window = (long)ShadowRequestWindow.Length.TotalSeconds,
            });
            if (written == 1)
            {
                return result;
            }

            // 2: the same request was applied before (the script checks it first, so a new request costs no extra round trip).
            if (written == 2 && await FirstAnswerAsync(database, request) is { } firstAnswer)
            {
                return ShadowApplyResult.Repeat(current, firstAnswer);
            }

            if (written == 0)
            {
                // Another writer got in between: back off a little (more with every collision) and re-read.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 1 + Math.Min(attempt, 10))), cancellationToken);
            }

            // 2 with the answer expired meanwhile: the next round applies it as new.
        }

        throw new InvalidOperationException($"The shadow of {deviceId} changed {MaxAttempts} times while updating it; giving up.");
    }

    private static async Task<JsonObject?> FirstAnswerAsync(IDatabase database, string request)
    {
        var answer = await database.StringGetAsync(request);
        return answer.IsNullOrEmpty ? null : JsonNode.Parse((string)answer!)!.AsObject();
    }

    public Task DeleteAsync(string deviceId, CancellationToken cancellationToken) =>
        redis.GetDatabase().KeyDeleteAsync(Key(deviceId));
}
