using Microsoft.Extensions.Configuration;

namespace IotAspire.AppHost.Infrastructure;

/// <summary>Where the executables keep their data: Infra:DataRoot when set (kept between runs), else a fresh folder per run.</summary>
internal static class DataRoot
{
    private const string RunPrefix = "run-";

    private static string RunsParent => Path.Combine(Path.GetTempPath(), "iotaspire");

    /// <summary>What outlives runs (the devices' TLS files): Infra:DataRoot when set, else the parent of the per-run folders.</summary>
    public static string Shared(IConfiguration configuration)
    {
        var kept = configuration["Infra:DataRoot"];
        return string.IsNullOrWhiteSpace(kept) ? RunsParent : Path.GetFullPath(kept);
    }

    /// <summary>This run's folder, the same for every caller of one AppHost (remembered in its configuration).</summary>
    public static string Resolve(IConfiguration configuration)
    {
        if (configuration[ResolvedKey] is { Length: > 0 } resolved)
        {
            return resolved;
        }

        var path = ResolveNew(configuration);
        configuration[ResolvedKey] = path;
        return path;
    }

    private const string ResolvedKey = "Infra:ResolvedDataRoot";

    private static string ResolveNew(IConfiguration configuration)
    {
        var kept = configuration["Infra:DataRoot"];
        if (!string.IsNullOrWhiteSpace(kept))
        {
            var full = Path.GetFullPath(kept);
            Directory.CreateDirectory(full);
            return full;
        }

        var parent = RunsParent;
        Directory.CreateDirectory(parent);
        RemoveRunsOfExitedAppHosts(parent);
        var path = Path.Combine(parent, $"{RunPrefix}{Environment.ProcessId}-{DateTime.UtcNow:yyyyMMddHHmmss}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Fresh folders would pile up: remove those whose AppHost process is gone.</summary>
    private static void RemoveRunsOfExitedAppHosts(string parent)
    {
        foreach (var directory in Directory.EnumerateDirectories(parent, RunPrefix + "*"))
        {
            var parts = Path.GetFileName(directory)[RunPrefix.Length..].Split('-');
            if (int.TryParse(parts[0], out var pid) && !IsRunning(pid))
            {
                try
                {
                    Directory.Delete(directory, recursive: true);
                }
                catch (IOException)
                {
                    // A server of that run is still shutting down; the next start removes it.
                }
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
