namespace IotAspire.Bench.Query;

/// <summary>
/// The data set: dense devices that report every metric every second for the whole range, and sparse devices that
/// report every <see cref="SparseIntervalSeconds"/>; five numeric metrics; whole UTC days ending at a midnight.
/// </summary>
public sealed record QueryDataSet(int DenseDevices, int SparseDevices, int Days, int SparseIntervalSeconds, DateTime From, DateTime To)
{
    public static readonly string[] Metrics = ["temperature", "humidity", "pressure", "co2", "battery"];

    public const string DensePrefix = "bench-dense-";
    public const string SparsePrefix = "bench-sparse-";

    public static string DenseId(int index) => $"{DensePrefix}{index + 1:D4}";

    public static string SparseId(int index) => $"{SparsePrefix}{index + 1:D4}";

    public long DensePointsPerMetric => (long)Days * 86_400;

    public long ExpectedRows => (DenseDevices * DensePointsPerMetric * Metrics.Length)
        + ((long)SparseDevices * Metrics.Length * Days * (86_400 / SparseIntervalSeconds));

    public static QueryDataSet For(QuerySettings settings, DateTime utcNow)
    {
        var to = utcNow.Date;
        return new QueryDataSet(settings.DenseDevices, settings.SparseDevices, settings.Days, settings.SparseIntervalSeconds, to.AddDays(-settings.Days), to);
    }
}
