using System.Diagnostics;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Reporting;
using IotAspire.Testing;

namespace IotAspire.Bench.Archive;

/// <summary>What one Archiver process used: wall time, CPU (user + system) and peak resident set, sampled from /proc.</summary>
public sealed record ArchiverRun(int ExitCode, double Seconds, double CpuSeconds, long PeakRssBytes, double MachineCpuSeconds, string Output);

/// <summary>Runs the real Archiver (its built dll) once over a database, until it has exported every closed day.</summary>
public static class ArchiverProcess
{
    public static async Task<ArchiverRun> RunAsync(string connectionString, string archiveRoot, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(ResultFile.RepositoryRoot(), "Archiver", "bin", "Release", "net10.0", "IotAspire.Archiver.dll");
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"{dll} is missing: build the Archiver in Release (dotnet build -c Release Archiver).");
        }

        var start = ArchiverStartInfo.For(dll, connectionString, archiveRoot);
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__IotAspire"] = "Information";

        var machineBefore = LinuxProcesses.MachineTicks();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The Archiver did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        long peak = 0, ticks = 0;
        while (!process.HasExited)
        {
            peak = Math.Max(peak, LinuxProcesses.StatusBytes(process.Id, "VmHWM"));
            ticks = Math.Max(ticks, LinuxProcesses.CpuTicks(process.Id));
            await Task.WhenAny(process.WaitForExitAsync(cancellationToken), Task.Delay(100, cancellationToken));
        }

        clock.Stop();
        var machineAfter = LinuxProcesses.MachineTicks();
        var machineShare = (double)(machineAfter.Busy - machineBefore.Busy) / Math.Max(1, machineAfter.Total - machineBefore.Total);
        return new ArchiverRun(process.ExitCode, clock.Elapsed.TotalSeconds, ticks / LinuxProcesses.TicksPerSecond, peak,
            machineShare * Environment.ProcessorCount * clock.Elapsed.TotalSeconds, await output + await error);
    }
}
