using IotAspire.Bench.Infrastructure;

namespace IotAspire.Bench.Shadow;

public sealed record ShadowSettings(
    int Devices,
    int Writers,
    int Seconds,
    int ContentionWriters,
    int ContentionSeconds,
    int WarmupSeconds,
    bool AppendOnly,
    string? Redis,
    string? ResultsDirectory)
{
    public static ShadowSettings From(BenchArguments args)
    {
        var settings = new ShadowSettings(
            Devices: args.Int("devices", 1000),
            Writers: args.Int("writers", 64),
            Seconds: args.Int("seconds", 20),
            ContentionWriters: args.Int("contention-writers", 64),
            ContentionSeconds: args.Int("contention-seconds", 10),
            WarmupSeconds: args.Int("warmup", 3),
            AppendOnly: !args.Flag("no-aof"),
            Redis: args.String("redis", null),
            ResultsDirectory: args.String("results", null));
        args.EnsureAllKnown();
        if (settings.Devices < 1 || settings.Writers < 1 || settings.Seconds < 1 || settings.ContentionWriters < 0
            || settings.ContentionSeconds < 1 || settings.WarmupSeconds < 0)
        {
            throw new ArgumentException("Out of range: --devices >= 1, --writers >= 1, --seconds >= 1, --contention-writers >= 0 (0 skips it), --contention-seconds >= 1, --warmup >= 0.");
        }

        return settings;
    }
}
