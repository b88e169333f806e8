using IotAspire.Bench.Infrastructure;

namespace IotAspire.Bench.Dashboard;

public sealed record DashboardSettings(
    int Devices,
    int Days,
    int Repeats,
    int LiveSeconds,
    double LiveRate,
    double SoakMinutes,
    TimeSpan? TokenLifetime,
    int Simulator,
    bool Hold,
    string? DataRoot,
    string? Screenshots,
    string? ResultsDirectory)
{
    public static DashboardSettings From(BenchArguments args)
    {
        var lifetime = args.String("token-lifetime", null);
        var settings = new DashboardSettings(
            Devices: args.Int("devices", 10_000),
            Days: args.Int("days", 30),
            Repeats: args.Int("repeats", 10),
            LiveSeconds: args.Int("live-seconds", 60),
            LiveRate: args.Double("live-rate", 4),
            SoakMinutes: args.Double("soak-minutes", 0),
            TokenLifetime: lifetime is null ? null : TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture),
            Simulator: args.Int("simulator", 3),
            Hold: args.Flag("hold"),
            DataRoot: args.String("data-root", null),
            Screenshots: args.String("screenshots", null),
            ResultsDirectory: args.String("results", null));
        args.EnsureAllKnown();
        if (settings.Devices < 2 || settings.Days is < 2 or > 366 || settings.LiveRate is <= 0 or > 50 || settings.Repeats < 1)
        {
            throw new ArgumentException("--devices >= 2, --days 2..366, --live-rate 0..50, --repeats >= 1.");
        }

        return settings;
    }
}
