using System.Text.Json.Serialization;
using IotAspire.Bench.Reporting;

namespace IotAspire.Bench.Shadow;

public sealed record ShadowReport(
    [property: JsonIgnore] ShadowSettings Settings, PhaseResult Spread, SpreadCheck SpreadCheck, PhaseResult? Contention, ContentionCheck? ContentionCheck)
{
    public const double TargetUpdatesPerSecond = 10_000;

    public bool TargetMet => Spread.UpdatesPerSecond >= TargetUpdatesPerSecond;

    public bool NoLostUpdates => SpreadCheck.NoLostUpdates && (ContentionCheck?.NoLostUpdates ?? true);

    public void Print()
    {
        var table = new ConsoleTable("Shadow updates through RedisShadowStore (parse + read + rules + CAS; latency per update in ms)",
            "case", "writers", "updates/s", "p50", "p90", "p99", "p99.9", "max", "gave up", "errors", "no lost update");
        table.Add($"(a) {Settings.Devices} devices", Spread.Writers, Spread.UpdatesPerSecond, Spread.LatencyMs.P50, Spread.LatencyMs.P90,
            Spread.LatencyMs.P99, Spread.LatencyMs.P999, Spread.LatencyMs.Max, Spread.GaveUp, Spread.Errors, YesNo(SpreadCheck.NoLostUpdates));
        if (Contention is not null)
        {
            table.Add("(b) one device", Contention.Writers, Contention.UpdatesPerSecond, Contention.LatencyMs.P50, Contention.LatencyMs.P90,
                Contention.LatencyMs.P99, Contention.LatencyMs.P999, Contention.LatencyMs.Max, Contention.GaveUp, Contention.Errors,
                YesNo(ContentionCheck!.NoLostUpdates));
        }

        table.Print();

        var checks = new ConsoleTable("Checks after the run", "case", "acknowledged updates", "stored versions", "mismatches");
        checks.Add("(a) sum over devices", SpreadCheck.Acknowledged, SpreadCheck.SumOfVersions, SpreadCheck.DevicesWithMismatch);
        if (ContentionCheck is not null)
        {
            checks.Add("(b) version / writers' last values", ContentionCheck.Acknowledged, ContentionCheck.FinalVersion, ContentionCheck.WritersWithWrongLastValue);
        }

        checks.Print();

        var cpu = new ConsoleTable("CPU over each window (% of one core)", "part", "(a)", "(b)");
        foreach (var part in Spread.CpuPercent.Keys)
        {
            cpu.Add(part, Spread.CpuPercent[part], Contention?.CpuPercent.GetValueOrDefault(part));
        }

        cpu.Print();
        Console.WriteLine($"\ntarget >= {TargetUpdatesPerSecond:N0} updates/s (a): {YesNo(TargetMet)}");
        foreach (var error in new[] { Spread.FirstError, Contention?.FirstError }.Where(e => e is not null))
        {
            Console.WriteLine($"first error: {error}");
        }
    }

    private static string YesNo(bool value) => value ? "yes" : "no";
}
