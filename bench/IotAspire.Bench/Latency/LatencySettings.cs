using IotAspire.Bench.Infrastructure;

namespace IotAspire.Bench.Latency;

public sealed record LatencySettings(
    int Devices,
    double Rate,
    int Seconds,
    int WarmupSeconds,
    int Qos,
    int Others,
    int DrainSeconds,
    string IdPrefix,
    string? ResultsDirectory)
{
    public static LatencySettings From(BenchArguments args)
    {
        var settings = new LatencySettings(
            Devices: args.Int("devices", 100),
            Rate: args.Double("rate", 1000),
            Seconds: args.Int("seconds", 30),
            WarmupSeconds: args.Int("warmup", 20),
            Qos: args.Int("qos", 1),
            Others: args.Int("others", 2),
            DrainSeconds: args.Int("drain", 10),
            IdPrefix: args.String("prefix", "lat-")!,
            ResultsDirectory: args.String("results", null));
        args.EnsureAllKnown();
        if (settings.Devices is < 1 or > 5000 || settings.Rate <= 0 || settings.Seconds < 1 || settings.WarmupSeconds < 0
            || settings.Qos is < 0 or > 1 || settings.Others is < 0 or > 100 || settings.DrainSeconds < 1)
        {
            throw new ArgumentException("Out of range: --devices 1..5000, --rate > 0, --seconds >= 1, --warmup >= 0, --qos 0|1, --others 0..100, --drain >= 1.");
        }

        return settings;
    }

    /// <summary>Time between two messages of one device: the rate is shared by the subscribed devices.</summary>
    public TimeSpan DevicePeriod => TimeSpan.FromSeconds(Devices / Rate);
}
