using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Hosting;

/// <summary>The deployment manifest as an operator makes it: the AppHost run with the manifest publisher.</summary>
public static class ManifestFile
{
    /// <summary>Writes a fresh manifest into a folder of its own and returns the file's path.</summary>
    public static async Task<string> GenerateAsync()
    {
        var output = Path.Combine(Path.GetTempPath(), $"iotaspire-manifest-{Guid.NewGuid():N}", "aspire-manifest.json");
        var result = await ProcessRunner.RunAsync("dotnet",
            ["run", "--project", Projects.AppHost.ProjectPath, "--no-build", "--no-launch-profile", "--", "--publisher", "manifest", "--output-path", output]);
        Assert.True(result.ExitCode == 0, $"manifest generation failed: {result.Output}\n{result.Error}");
        return output;
    }
}
