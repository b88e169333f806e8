using System.Diagnostics;
using System.Text.Json.Nodes;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// The .NET services as images, made with the SDK's container support (dotnet publish -t:PublishContainer,
/// self-contained) onto the local base image: one per project resource the manifest lists, so a service added to the
/// AppHost (the gateway) is published without a change here.
/// </summary>
public static class ServiceImages
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(5);

    public static string ImageOf(string resource) => $"iotaspire/{resource}:manifest";

    /// <summary>Publishes every project resource of the manifest, plus <paramref name="extraProjects"/> (name, project file).</summary>
    public static async Task<TimeSpan> PublishAsync(
        ContainerEngine engine, string manifestFile, JsonObject resources, IReadOnlyDictionary<string, string> extraProjects)
    {
        var manifestDirectory = Path.GetDirectoryName(Path.GetFullPath(manifestFile))!;
        var projects = resources
            .Where(r => r.Value is JsonObject entry && ManifestExpressions.IsProject(entry))
            .Select(r => (Name: r.Key, Path: Path.GetFullPath(Path.Combine(manifestDirectory, r.Value!["path"]!.GetValue<string>()))))
            .Concat(extraProjects.Select(p => (Name: p.Key, Path: p.Value)))
            .ToList();
        Assert.NotEmpty(projects);

        var environment = new Dictionary<string, string>(engine.Environment)
        {
            ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = ContainerEngine.RegistryHost,
        };
        var watch = Stopwatch.StartNew();
        // Replicas declared as resources of their own (api-1, api-2) share one project: published once, tagged for each.
        foreach (var group in projects.GroupBy(p => p.Path))
        {
            var (name, path) = group.First();
            var repository = ImageOf(name).Split(':')[0];
            var result = await ProcessRunner.RunAsync("dotnet",
                [
                    "publish", path, "-c", "Release", "-r", "linux-x64", "--self-contained", "-t:PublishContainer", "-nologo", "-v", "q",
                    $"-p:ContainerBaseImage={ContainerEngine.RegistryHost}/dotnet-base:latest",
                    $"-p:ContainerRepository={repository}", "-p:ContainerImageTag=manifest",
                ],
                environment: environment, timeout: PublishTimeout);
            Assert.True(result.ExitCode == 0, $"publishing {name} ({path}) as an image failed: {result.Output}\n{result.Error}");
            foreach (var (other, _) in group.Skip(1))
            {
                await engine.DockerAsync("tag", ImageOf(name), ImageOf(other));
            }
        }

        return watch.Elapsed;
    }
}
