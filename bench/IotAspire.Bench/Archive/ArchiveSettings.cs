using IotAspire.Bench.Infrastructure;

namespace IotAspire.Bench.Archive;

/// <param name="Database">A PostgreSQL connection string to use instead of starting the stack (its schema is migrated).</param>
/// <param name="QueryRows">Rows of the synthetic 30-day archive the DuckDB query is timed on (0: skip that part).</param>
public sealed record ArchiveSettings(
    int Devices,
    int Metrics,
    int Days,
    int IntervalSeconds,
    string? Database,
    long QueryRows,
    int QueryDays,
    int QueryRuns,
    string? ResultsDirectory)
{
    public long ExpectedRows => (long)Devices * Metrics * Days * (86_400 / IntervalSeconds);

    public static ArchiveSettings From(BenchArguments args)
    {
        var settings = new ArchiveSettings(
            Devices: args.Int("devices", 100),
            Metrics: args.Int("metrics", 10),
            Days: args.Int("days", 3),
            IntervalSeconds: args.Int("interval", 30),
            Database: args.String("database", null),
            QueryRows: (long)args.Double("query-rows", 100_000_000),
            QueryDays: args.Int("query-days", 30),
            QueryRuns: args.Int("query-runs", 5),
            ResultsDirectory: args.String("results", null));
        args.EnsureAllKnown();
        if (settings.Devices < 1 || settings.Metrics is < 3 or > 100 || settings.Days is < 1 or > 60 || settings.IntervalSeconds is < 1 or > 86_400
            || settings.QueryRows < 0 || settings.QueryDays is < 1 or > 366)
        {
            throw new ArgumentException("--devices >= 1, --metrics 3-100, --days 1-60, --interval 1-86400 s, --query-days 1-366.");
        }

        return settings;
    }
}
