namespace IotAspire.Bench.Reporting;

/// <summary>Latency percentiles in milliseconds (nearest rank), rounded to 0.01 ms for the report.</summary>
public sealed record Percentiles(long Count, double P50, double P90, double P99, double P999, double Max, double Mean)
{
    /// <summary>The dashboard's targets are p95s.</summary>
    public double P95 { get; init; }

    /// <summary>Sorts <paramref name="milliseconds"/> in place.</summary>
    public static Percentiles From(List<double> milliseconds)
    {
        milliseconds.Sort();
        double At(double q) => milliseconds.Count == 0
            ? double.NaN
            : Math.Round(milliseconds[Math.Clamp((int)Math.Ceiling(q * milliseconds.Count) - 1, 0, milliseconds.Count - 1)], 2);
        return new Percentiles(milliseconds.Count, At(0.50), At(0.90), At(0.99), At(0.999), At(1.0),
            milliseconds.Count == 0 ? double.NaN : Math.Round(milliseconds.Average(), 2)) { P95 = At(0.95) };
    }
}
