using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Realtime;

/// <summary>The JavaScript client's script, with @microsoft/signalr installed from npm (exact versions: package-lock.json).</summary>
public static class NodeHubClient
{
    private static readonly SemaphoreSlim Install = new(1, 1);

    /// <summary>The script's path, after <c>npm ci</c> once per build output.</summary>
    public static async Task<string> PrepareAsync()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Realtime", "node");
        await Install.WaitAsync();
        try
        {
            if (!File.Exists(Path.Combine(folder, "node_modules", "@microsoft", "signalr", "package.json")))
            {
                var installed = await ProcessRunner.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", folder]);
                Assert.True(installed.ExitCode == 0, $"npm ci failed: {installed.Output} {installed.Error}");
            }
        }
        finally
        {
            Install.Release();
        }

        return Path.Combine(folder, "hub-client.mjs");
    }
}
