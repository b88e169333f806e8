using System.Diagnostics;
using System.Globalization;

namespace IotAspire.Bench.Infrastructure;

/// <summary>What /proc says about processes: trees, CPU ticks, resident memory. Linux only, like the rest of the bench.</summary>
public static class LinuxProcesses
{
    /// <summary>Clock ticks per second of utime/stime (USER_HZ); 100 on every common Linux.</summary>
    public static readonly double TicksPerSecond = ReadTicksPerSecond();

    public static IReadOnlyList<int> WithDescendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || ReadStatFields(pid) is not { } fields)
            {
                continue;
            }

            var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(pid);
        }

        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(children.GetValueOrDefault(result[i]) ?? []);
        }

        return result;
    }

    /// <summary>user + system CPU ticks the live processes of a tree have used so far.</summary>
    public static long CpuTicks(IEnumerable<int> pids) => pids.Sum(CpuTicks);

    public static long CpuTicks(int pid) => ReadStatFields(pid) is { } fields
        // Fields 14 (utime) and 15 (stime) of /proc/<pid>/stat; the split starts at field 3.
        ? long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
        : 0;

    /// <summary>A line of /proc/<pid>/status in bytes, e.g. VmHWM (peak resident set) or VmRSS; 0 when the process is gone.</summary>
    public static long StatusBytes(int pid, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    var kilobytes = line[(field.Length + 1)..].Trim().Split(' ')[0];
                    return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
            // The process ended.
        }

        return 0;
    }

    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>
    /// The service process under a project resource: Aspire starts projects with "dotnet run", so the resource's pid
    /// is the launcher and the service is a descendant whose command line names the assembly (and is no "dotnet run").
    /// </summary>
    public static int FindService(int launcher, string assemblyName)
    {
        var candidates = WithDescendants(launcher)
            .Where(pid => pid != launcher)
            .Select(pid => (pid, command: CommandLine(pid)))
            .Where(p => p.command.Contains(assemblyName, StringComparison.Ordinal) && !p.command.Contains(" run ", StringComparison.Ordinal))
            .ToList();
        return candidates.Count > 0 ? candidates[^1].pid : 0;
    }

    /// <summary>Busy and total ticks of the whole machine (first line of /proc/stat).</summary>
    public static (long Busy, long Total) MachineTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        var idle = fields[3] + fields[4];
        var total = fields.Take(8).Sum();
        return (total - idle, total);
    }

    private static string[]? ReadStatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double ReadTicksPerSecond()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true });
            var text = getconf!.StandardOutput.ReadToEnd().Trim();
            getconf.WaitForExit();
            return double.Parse(text, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FormatException)
        {
            return 100;
        }
    }
}
