using System.Globalization;
using System.Text.Json.Nodes;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// Starts a system from its Aspire manifest alone, as a container deployer would: every container and project resource
/// as a container on one network, its resource name as its alias there, with exactly the manifest's image, entrypoint,
/// args, environment, volumes and bind mounts (relative to the manifest), restart policy ("restart": "always") and
/// published ports. Projects run the images <see cref="ServiceImages"/> made. Every binding is published on 127.0.0.1
/// (fixed ports) for the readiness probes (an orchestrator reaches its containers directly); clients use only "external" ones.
/// </summary>
public sealed class ManifestRunner(ContainerEngine engine, string manifestFile, JsonObject resources, ManifestExpressions expressions)
{
    public const string Network = "iotaspire-manifest";

    private readonly string _manifestDirectory = Path.GetDirectoryName(Path.GetFullPath(manifestFile))!;

    public ManifestExpressions Expressions => expressions;

    public static string ContainerName(string resource) => "manifest-" + resource;

    /// <summary>The resources a deployer starts: containers and projects, in manifest order.</summary>
    public IEnumerable<string> Deployable() =>
        resources.Where(r => r.Value is JsonObject o && (ManifestExpressions.IsContainer(o) || ManifestExpressions.IsProject(o))).Select(r => r.Key);

    public async Task CreateNetworkAsync()
    {
        await engine.DockerAsync("network", "create", Network);
    }

    /// <summary>Starts one resource from a manifest entry (the file's own, or a changed copy under another container name).</summary>
    public async Task StartAsync(string name, JsonObject entry, string image, string? containerName = null, ContainerExtras? extras = null)
    {
        var args = new List<string> { "run", "-d", "--name", containerName ?? ContainerName(name), "--network", Network };
        if (containerName is null)
        {
            args.AddRange(["--network-alias", name]);
        }

        if (entry["restart"]?.GetValue<string>() == "always")
        {
            args.AddRange(["--restart", "always"]);
        }

        foreach (var (variable, value) in (entry["env"] as JsonObject ?? []).Concat(extras?.Environment ?? new Dictionary<string, JsonNode?>()))
        {
            args.AddRange(["-e", $"{variable}={expressions.Resolve(value!.GetValue<string>())}"]);
        }

        foreach (var volume in entry["volumes"]?.AsArray() ?? [])
        {
            args.AddRange(["--mount", Mount("volume", volume!["name"]!.GetValue<string>(), volume)]);
        }

        foreach (var bind in (entry["bindMounts"]?.AsArray() ?? []).Concat(extras?.BindMounts ?? []))
        {
            var source = Path.GetFullPath(Path.Combine(_manifestDirectory, bind!["source"]!.GetValue<string>()));
            args.AddRange(["--mount", Mount("bind", source, bind)]);
        }

        foreach (var binding in (entry["bindings"] as JsonObject ?? []).Select(b => b.Key))
        {
            // A fixed host port: one chosen by the engine changes when the container restarts, under connected clients.
            var hostPort = FreePort().ToString(CultureInfo.InvariantCulture);
            args.AddRange(["-p", $"127.0.0.1:{hostPort}:{expressions.TargetPort(name, binding).ToString(CultureInfo.InvariantCulture)}"]);
        }

        if (entry["entrypoint"]?.GetValue<string>() is { } entrypoint)
        {
            args.AddRange(["--entrypoint", entrypoint]);
        }

        args.Add(image);
        args.AddRange((entry["args"]?.AsArray() ?? []).Select(a => expressions.Resolve(a!.GetValue<string>())));
        await engine.DockerAsync(args, TimeSpan.FromMinutes(1));
    }

    /// <summary>Where a binding is reached from this machine; external ones only, unless asked for a probe.</summary>
    public async Task<Uri> AddressAsync(string name, string binding, bool probe = false, string? containerName = null)
    {
        var entry = expressions.Binding(name, binding);
        if (!probe)
        {
            Assert.True(entry["external"]?.GetValue<bool>() == true, $"{name}.bindings.{binding} is not external: clients outside cannot reach it.");
        }

        var port = expressions.TargetPort(name, binding).ToString(CultureInfo.InvariantCulture);
        var published = (await engine.DockerAsync("port", containerName ?? ContainerName(name), port + "/tcp")).Split('\n')[0].Trim();
        var scheme = entry["scheme"]?.GetValue<string>() is "http" or "https" ? entry["scheme"]!.GetValue<string>() : "tcp";
        return new Uri($"{scheme}://{published}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Mount(string type, string source, JsonNode spec) =>
        $"type={type},source={source},target={spec["target"]!.GetValue<string>()}" + (spec["readOnly"]?.GetValue<bool>() == true ? ",readonly" : "");
}

/// <summary>What a substitute needs beyond a manifest entry (the local identity provider standing in for Keycloak).</summary>
public sealed record ContainerExtras(IReadOnlyDictionary<string, JsonNode?> Environment, IReadOnlyList<JsonNode> BindMounts);
