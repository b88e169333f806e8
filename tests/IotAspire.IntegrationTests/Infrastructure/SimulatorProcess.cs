using System.Diagnostics;

namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// The Simulator, started on the test stack with the fleet claim (the stack runs without one): its devices provision
/// themselves, report telemetry and a shadow, apply desired led/interval and answer ping, setInterval and reboot.
/// </summary>
public sealed class SimulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;
    private readonly Task<string> _errors;

    private SimulatorProcess(Process process, string prefix)
    {
        _process = process;
        Prefix = prefix;
        _output = process.StandardOutput.ReadToEndAsync();
        _errors = process.StandardError.ReadToEndAsync();
    }

    /// <summary>The devices' ids are {Prefix}0001, {Prefix}0002, ...</summary>
    public string Prefix { get; }

    public string DeviceId(int number) => $"{Prefix}{number:D4}";

    public static SimulatorProcess Start(StackFixture stack, string prefix, int devices, int intervalSeconds = 1)
    {
        // Built with the AppHost, in the configuration the tests run in (bin/{configuration}/net10.0).
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var simulator = Path.Combine(Path.GetDirectoryName(new Projects.Simulator().ProjectPath)!, "bin", configuration, "net10.0", "IotAspire.Simulator.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(simulator);
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["ConnectionStrings__mqtt"] = $"mqtt://{stack.Broker.Host}:{stack.Broker.Port}";
        start.Environment["Simulator__ApiBaseAddress"] = stack.ApiAddress.ToString(); // Only needed on a 409.
        // The service client, for devices registered by an earlier run (a restart with kept data).
        start.Environment["Simulator__Identity__Authority"] = new Uri(stack.IdentityAddress, "realms/iot").ToString();
        start.Environment["Simulator__Identity__ClientSecret"] = stack.ServiceClientSecret;
        start.Environment["Simulator__FleetClaimPassword"] = stack.FleetClaimPassword;
        start.Environment["Simulator__Devices"] = devices.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Simulator__IntervalSeconds"] = intervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Simulator__IdPrefix"] = prefix;
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        return new SimulatorProcess(Process.Start(start) ?? throw new InvalidOperationException("The simulator did not start."), prefix);
    }

    /// <summary>Stops it and returns what it wrote (standard output and error).</summary>
    public async Task<string> StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return await _output + await _errors;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
