using IotAspire.Testing;
using System.Diagnostics;
using System.Text;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>
/// The real Archiver (its built dll) as a child process, over one database and archive root, with no grace period and
/// exiting once every closed day is exported; or started to be killed with SIGKILL at some point.
/// <paramref name="settings"/> are further configuration (Archive:Storage, ...) as environment variables.
/// </summary>
public sealed class ArchiverProcess(string connectionString, string root, IReadOnlyDictionary<string, string>? settings = null)
{
    public static string Dll { get; } = FindDll();

    /// <summary>Runs it to the end; fails the test when it does not exit 0 within the timeout.</summary>
    public async Task<string> RunToCompletionAsync(TimeSpan? timeout = null)
    {
        using var process = Start(out var output);
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The Archiver did not finish within {(timeout ?? TimeSpan.FromSeconds(90)).TotalSeconds} s:\n{output}");
        }

        process.WaitForExit(); // Flushes the redirected output.
        Assert.True(process.ExitCode == 0, $"The Archiver exited with {process.ExitCode}:\n{output}");
        return output.ToString();
    }

    /// <summary>
    /// Starts it, waits until it has started work (its start-up line), then <paramref name="delay"/>, and kills it with
    /// SIGKILL if it is still running. True when it was killed.
    /// </summary>
    public async Task<bool> KillAfterAsync(TimeSpan delay)
    {
        using var process = Start(out var output);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!process.HasExited && DateTime.UtcNow < deadline && !Contains(output, "Archiver started"))
        {
            await Task.Delay(10);
        }

        await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(delay));
        var exited = process.HasExited;
        if (!exited)
        {
            process.Kill(); // SIGKILL on Linux: no shutdown code of the Archiver runs.
            await process.WaitForExitAsync();
        }

        return !exited;
    }

    private static bool Contains(StringBuilder output, string text)
    {
        lock (output)
        {
            return output.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    private Process Start(out StringBuilder output)
    {
        var start = ArchiverStartInfo.For(Dll, connectionString, root);
        start.Environment["Archive__MaxRetryDelaySeconds"] = "1";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var log = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        output = log;
        return process;
    }

    /// <summary>Archiver/bin/{configuration}/net10.0 of this repository, built with the AppHost the tests reference.</summary>
    private static string FindDll()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = testBin.Parent!.Name;
        for (var dir = testBin; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IotAspire.sln")))
            {
                var dll = Path.Combine(dir.FullName, "Archiver", "bin", configuration, testBin.Name, "IotAspire.Archiver.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the Archiver first.", dll);
            }
        }

        throw new DirectoryNotFoundException("No IotAspire.sln above " + AppContext.BaseDirectory);
    }
}
