using IotAspire.Bench.Infrastructure;

namespace IotAspire.Bench.Ingest;

public sealed record IngestSettings(
    int Devices,
    int Values,
    int Qos,
    int Seconds,
    int BrokerSeconds,
    double Rate,
    int WarmupSeconds,
    int DrainTimeoutSeconds,
    string IdPrefix,
    string? ResultsDirectory,
    IReadOnlyDictionary<string, string> WorkerSettings)
{
    public static IngestSettings From(BenchArguments args)
    {
        var seconds = args.Int("seconds", 60);
        var settings = new IngestSettings(
            Devices: args.Int("devices", 1000),
            Values: args.Int("values", 10),
            Qos: args.Int("qos", 1),
            Seconds: seconds,
            BrokerSeconds: args.Int("broker-seconds", seconds),
            Rate: args.Double("rate", 0),
            WarmupSeconds: args.Int("warmup", 10),
            DrainTimeoutSeconds: args.Int("drain-timeout", 180),
            IdPrefix: args.String("prefix", "bench-")!,
            ResultsDirectory: args.String("results", null),
            WorkerSettings: ParseSettings(args.String("worker-settings", null)));
        args.EnsureAllKnown();
        if (settings.Devices is < 1 or > 9999 || settings.Values < 1 || settings.Qos is < 0 or > 1 || settings.Seconds < 1
            || settings.BrokerSeconds < 1 || settings.Rate < 0 || settings.WarmupSeconds < 0)
        {
            throw new ArgumentException("Out of range: --devices 1..9999, --values >= 1, --qos 0|1, --seconds >= 1, --rate >= 0, --warmup >= 0.");
        }

        return settings;
    }

    /// <summary>"Section:Key=value;Other:Key=value" into pairs.</summary>
    private static Dictionary<string, string> ParseSettings(string? text) =>
        (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(
                pair => pair[0],
                pair => pair.Length == 2 ? pair[1] : throw new ArgumentException($"--worker-settings: '{pair[0]}' needs '=value'."));
}
