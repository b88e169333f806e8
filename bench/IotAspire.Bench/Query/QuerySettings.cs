using IotAspire.Bench.Infrastructure;

namespace IotAspire.Bench.Query;

public sealed record QuerySettings(
    int DenseDevices,
    int SparseDevices,
    int Days,
    int SparseIntervalSeconds,
    int Requests,
    int WarmupRequests,
    int WarmupSeconds,
    string? DataRoot,
    string RawUrl,
    string HourlyUrl,
    string Hourly5Url,
    string? ResultsDirectory)
{
    /// <summary>Placeholders: {id} {metric} {metrics} (metric=a&amp;metric=b...) {from} {to} {limit}.</summary>
    public const string DefaultRawUrl = "/api/devices/{id}/telemetry?metric={metric}&from={from}&to={to}&interval=raw&limit={limit}";
    public const string DefaultHourlyUrl = "/api/devices/{id}/telemetry?metric={metric}&from={from}&to={to}&interval=1h";
    public const string DefaultHourly5Url = "/api/devices/{id}/telemetry?{metrics}&from={from}&to={to}&interval=1h";

    public static QuerySettings From(BenchArguments args)
    {
        var settings = new QuerySettings(
            DenseDevices: args.Int("dense", 1),
            SparseDevices: args.Int("sparse-devices", 999),
            Days: args.Int("days", 30),
            SparseIntervalSeconds: args.Int("sparse-interval", 1200),
            Requests: args.Int("requests", 200),
            WarmupRequests: args.Int("warmup", 30),
            WarmupSeconds: args.Int("warmup-seconds", 20),
            DataRoot: args.String("data-root", null),
            RawUrl: args.String("raw-url", DefaultRawUrl)!,
            HourlyUrl: args.String("hourly-url", DefaultHourlyUrl)!,
            Hourly5Url: args.String("hourly5-url", DefaultHourly5Url)!,
            ResultsDirectory: args.String("results", null));
        args.EnsureAllKnown();
        if (settings.DenseDevices < 1 || settings.SparseDevices < 0 || settings.Days is < 2 or > 366 || settings.SparseIntervalSeconds < 1
            || settings.Requests < 1 || settings.WarmupRequests < 0 || settings.WarmupSeconds < 0)
        {
            throw new ArgumentException("Out of range: --dense >= 1, --sparse-devices >= 0, --days 2..366, --sparse-interval >= 1, --requests >= 1.");
        }

        return settings;
    }
}
