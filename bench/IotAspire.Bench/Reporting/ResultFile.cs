using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace IotAspire.Bench.Reporting;

/// <summary>One small JSON file per run under bench/results/: {yyyyMMdd-HHmmss}-{kind}.json, with the machine and commit.</summary>
public static class ResultFile
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // A measurement that got no sample is NaN: written as "NaN" rather than losing the whole result file.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Write(string? directory, string kind, object parameters, object results)
    {
        var folder = directory ?? Path.Combine(RepositoryRoot(), "bench", "results");
        Directory.CreateDirectory(folder);
        var started = DateTime.UtcNow;
        var document = new
        {
            kind,
            date = started.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            command = "dotnet run -c Release --project bench/IotAspire.Bench -- " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            machine = new
            {
                cores = Environment.ProcessorCount,
                os = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
                runtime = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
                memoryBytes = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            },
            commit = Git("rev-parse --short HEAD"),
            dirty = Git("status --porcelain")?.Length > 0,
            parameters,
            results,
        };
        var path = Path.Combine(folder, $"{started:yyyyMMdd-HHmmss}-{kind}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(document, Json) + Environment.NewLine);
        return path;
    }

    /// <summary>The folder holding IotAspire.sln, searched upwards from the working directory, then from the binary.</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "IotAspire.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static string? Git(string arguments)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = RepositoryRoot(),
            });
            var output = git!.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
