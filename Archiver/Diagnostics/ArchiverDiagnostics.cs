using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IotAspire.Archiver.Diagnostics;

/// <summary>The Archiver's traces and metrics (ServiceDefaults exports every <c>IotAspire.*</c> source and meter).</summary>
public sealed class ArchiverDiagnostics
{
    public const string Name = "IotAspire.Archiver";

    public static readonly ActivitySource ActivitySource = new(Name);

    private long _lagSeconds;

    public ArchiverDiagnostics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        const string prefix = "iotaspire.archiver.";
        DaysExported = meter.CreateCounter<long>(prefix + "days.exported", "{day}", "Exports committed (a day's first part, or its late data).");
        Rows = meter.CreateCounter<long>(prefix + "rows", "{row}", "Rows written into committed parts.");
        Bytes = meter.CreateCounter<long>(prefix + "bytes", "By", "Bytes of committed parts.");
        Seconds = meter.CreateHistogram<double>(prefix + "export.duration", "s", "Time to export one day: read, write, verify, publish, commit.");
        Failures = meter.CreateCounter<long>(prefix + "failures", "{export}", "Day exports that failed (retried with backoff).");
        Orphans = meter.CreateCounter<long>(prefix + "orphans", "{part}", "Parts found without a manifest row at start or retry, by outcome.");
        meter.CreateObservableGauge(prefix + "lag", () => Interlocked.Read(ref _lagSeconds), "s",
            "How far the watermark is behind the end of the newest closed day (0: caught up).");
    }

    public Counter<long> DaysExported { get; }
    public Counter<long> Rows { get; }
    public Counter<long> Bytes { get; }
    public Histogram<double> Seconds { get; }
    public Counter<long> Failures { get; }
    public Counter<long> Orphans { get; }

    public void SetLag(TimeSpan lag) => Interlocked.Exchange(ref _lagSeconds, (long)Math.Max(0, lag.TotalSeconds));
}
