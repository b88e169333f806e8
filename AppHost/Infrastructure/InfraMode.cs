using System.Diagnostics;

namespace IotAspire.AppHost.Infrastructure;

public enum InfraMode
{
    Auto,
    Containers,
    Executables,
}

public static class InfraModeResolver
{
    /// <summary>
    /// Publishing always describes containers. When running, <c>auto</c> uses containers if a container
    /// runtime answers, else the OS's executables.
    /// </summary>
    public static InfraMode Resolve(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return InfraMode.Containers;
        }

        var configured = builder.Configuration["Infra:Mode"];
        var mode = string.IsNullOrWhiteSpace(configured)
            ? InfraMode.Auto
            : Enum.TryParse<InfraMode>(configured, ignoreCase: true, out var parsed)
                ? parsed
                : throw new InvalidOperationException($"Infra:Mode '{configured}' is not one of auto, containers, executables.");

        return mode == InfraMode.Auto
            ? (ContainerRuntimeAnswers(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker") ? InfraMode.Containers : InfraMode.Executables)
            : mode;
    }

    private static bool ContainerRuntimeAnswers(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // The runtime's CLI is not installed at all.
            return false;
        }
    }
}
