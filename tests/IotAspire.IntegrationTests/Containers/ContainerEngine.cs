using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// The private Docker engine of eng/containers.sh: started (installed, images built when missing) for one test collection
/// and stopped after it. Only the processes this class starts get DOCKER_HOST: nothing else on the machine sees a daemon.
/// When the engine cannot be had, the collection fails: a skipped containers test would prove nothing.
/// </summary>
public sealed class ContainerEngine
{
    private static readonly TimeSpan UpTimeout = TimeSpan.FromMinutes(8);

    private ContainerEngine(string dockerHost) => DockerHost = dockerHost;

    // ProjectPath is the AppHost's folder (or its project file, in some SDKs).
    public static string RepositoryRoot { get; } = Path.GetFullPath(Path.Combine(
        Projects.AppHost.ProjectPath.EndsWith(".csproj", StringComparison.Ordinal) ? Path.GetDirectoryName(Projects.AppHost.ProjectPath)! : Projects.AppHost.ProjectPath,
        ".."));

    private static string Script => Path.Combine(RepositoryRoot, "eng", "containers.sh");

    public string DockerHost { get; }

    /// <summary>The local registry that serves the .NET base image (eng/containers.sh, IOTASPIRE_REGISTRY_PORT).</summary>
    public static string RegistryHost { get; } =
        "127.0.0.1:" + (System.Environment.GetEnvironmentVariable("IOTASPIRE_REGISTRY_PORT") is { Length: > 0 } port ? port : "5500");

    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["DOCKER_HOST"] = DockerHost };

    public static async Task<ContainerEngine> StartAsync()
    {
        var up = await ProcessRunner.RunAsync("bash", [Script, "up"], timeout: UpTimeout);
        Assert.True(up.ExitCode == 0, $"eng/containers.sh up failed ({up.ExitCode}): the containers tests need the engine.\n{up.Output}\n{up.Error}");
        var env = await ProcessRunner.RunAsync("bash", [Script, "env"]);
        var engine = new ContainerEngine(env.Output.Trim().Split('=', 2)[1]);

        // Fresh state: named volumes keep the passwords and accounts of an earlier run, which the new secrets would not open.
        var leftovers = (await engine.DockerAsync("ps", "-aq")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (leftovers.Length > 0)
        {
            await engine.DockerAsync(["rm", "-f", .. leftovers]);
        }

        await engine.DockerAsync("volume", "prune", "-f");
        await engine.DockerAsync("network", "prune", "-f");
        return engine;
    }

    public async Task StopAsync()
    {
        if (System.Environment.GetEnvironmentVariable("IOTASPIRE_KEEP_ENGINE") == "1")
        {
            return; // Debugging: the containers stay for a look (eng/containers.sh down ends them).
        }

        var down = await ProcessRunner.RunAsync("bash", [Script, "down"], timeout: TimeSpan.FromMinutes(2));
        Assert.True(down.ExitCode == 0, $"eng/containers.sh down failed: {down.Output}\n{down.Error}");
    }

    /// <summary>Runs the docker CLI against this engine; fails on a non-zero exit.</summary>
    public Task<string> DockerAsync(params string[] arguments) => DockerAsync(arguments, TimeSpan.FromMinutes(2));

    public async Task<string> DockerAsync(IReadOnlyList<string> arguments, TimeSpan timeout)
    {
        var result = await TryDockerAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.Error}");
        return result.Output;
    }

    public Task<ProcessRunner.Result> TryDockerAsync(IReadOnlyList<string> arguments, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("docker", arguments, environment: Environment, timeout: timeout);

    /// <summary>The one running container whose name starts with the resource's name (DCP adds a suffix).</summary>
    public async Task<string> ContainerOfAsync(string resource)
    {
        var names = (await DockerAsync("ps", "--format", "{{.Names}}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(n => n == resource || n.StartsWith(resource + "-", StringComparison.Ordinal))
            .ToArray();
        Assert.True(names.Length == 1, $"expected one container of {resource}, found: {string.Join(", ", names)}");
        return names[0];
    }
}
