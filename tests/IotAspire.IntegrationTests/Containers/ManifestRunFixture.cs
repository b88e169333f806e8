using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using IotAspire.AppHost.Infrastructure;
using IotAspire.Core;
using IotAspire.IntegrationTests.Hosting;
using IotAspire.IntegrationTests.Infrastructure;
using IotAspire.Testing;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// The whole system started from the generated manifest alone (<see cref="ManifestRunner"/>), every .NET service from
/// its published image. What a deployer supplies: the parameters' values, and the files the manifest mounts (the broker's
/// TLS folder, Keycloak's certificate). One substitution: no Keycloak image can be had here, so the local
/// IdentityProvider's image runs as the "identity" resource, with Keycloak's environment, realm mount and HTTPS port,
/// under the public host name the services are given (https://identity:8443); the service containers trust its test CA.
/// </summary>
public sealed class ManifestRunFixture : IAsyncLifetime
{
    private const string IdentitySubstitute = "identity-provider";
    private const string IdentityUrl = "https://identity:8443";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(4);

    private readonly Dictionary<string, string> _passwords = new() { ["admin"] = NewSecret(), ["operator"] = NewSecret(), ["viewer"] = NewSecret() };
    private readonly string _files = Path.Combine(Path.GetTempPath(), "iotaspire-tests", $"manifest-run-{Guid.NewGuid():N}");
    private X509Certificate2 _ca = null!;
    private Uri _identityPublished = null!;
    private RealmTokens? _tokens;

    public ContainerEngine Engine { get; private set; } = null!;
    public ManifestRunner Runner { get; private set; } = null!;
    public SmokeTarget Target { get; private set; } = null!;
    public TimeSpan ImagesPublished { get; private set; }

    public async Task InitializeAsync()
    {
        Engine = await ContainerEngine.StartAsync();
        var manifestFile = await ManifestFile.GenerateAsync();
        var resources = JsonNode.Parse(await File.ReadAllTextAsync(manifestFile))!["resources"]!.AsObject();
        ImagesPublished = await ServiceImages.PublishAsync(Engine, manifestFile, resources, new Dictionary<string, string>
        {
            [IdentitySubstitute] = Path.Combine(ContainerEngine.RepositoryRoot, "IdentityProvider", "IdentityProvider.csproj"),
        });

        var parameters = ParameterValues(resources, new Dictionary<string, string>
        {
            ["admin-password"] = _passwords["admin"],
            ["operator-password"] = _passwords["operator"],
            ["viewer-password"] = _passwords["viewer"],
            ["keycloak-hostname"] = IdentityUrl,
            ["keycloak-tls-certificate-file"] = "/opt/keycloak/conf/tls/tls.crt",
            ["keycloak-tls-key-file"] = "/opt/keycloak/conf/tls/tls.key",
        });
        Runner = new ManifestRunner(Engine, manifestFile, resources, new ManifestExpressions(resources, parameters));
        PrepareMountedFiles(manifestFile, resources);
        await Runner.CreateNetworkAsync();
        foreach (var name in Runner.Deployable())
        {
            await StartAsync(name);
        }

        foreach (var name in Runner.Deployable().Where(n => n != ResourceNames.Identity))
        {
            await WaitUntilReadyAsync(name);
        }

        _tokens = new RealmTokens(new Uri(IdentityUrl), _passwords, handler: IdentityHandler());
        var entry = resources.ContainsKey(ResourceNames.Gateway) ? ResourceNames.Gateway : ResourceNames.Api;
        var broker = await Runner.AddressAsync(ResourceNames.Mqtt, MosquittoContainerResource.EndpointName);
        Target = new SmokeTarget(await Runner.AddressAsync(entry, "http"), _tokens, broker.Host, broker.Port,
            () => Engine.DockerAsync("restart", "-t", "10", ManifestRunner.ContainerName(ResourceNames.Mqtt)));
    }

    /// <summary>Every parameter gets the value given, else one generated as its default says; one without either fails.</summary>
    private static Dictionary<string, string> ParameterValues(JsonObject resources, Dictionary<string, string> given)
    {
        var values = new Dictionary<string, string>(given);
        foreach (var (name, node) in resources)
        {
            if (ManifestExpressions.TypeOf(node!.AsObject()) == "parameter.v0" && !values.ContainsKey(name))
            {
                Assert.True(node["inputs"]?["value"]?["default"]?["generate"] is not null, $"parameter {name} has neither a value nor a generated default");
                values[name] = NewSecret();
            }
        }

        return values;
    }

    /// <summary>The files the manifest mounts, which a deployer provides: the broker's TLS folder and the identity's certificate.</summary>
    private void PrepareMountedFiles(string manifestFile, JsonObject resources)
    {
        var certs = resources[ResourceNames.Mqtt]!["bindMounts"]!.AsArray().Single(m => m!["target"]!.GetValue<string>() == "/mosquitto/certs")!;
        DeviceTls.EnsureFiles(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(manifestFile)!, certs["source"]!.GetValue<string>())), DateTimeOffset.UtcNow);
        _ca = TestCertificates.Write(Path.Combine(_files, "tls"), "identity");
    }

    private Task StartAsync(string name)
    {
        var entry = Runner.Expressions.Resource(name);
        if (name == ResourceNames.Identity)
        {
            return StartIdentitySubstituteAsync(entry);
        }

        // The service containers' trust store: the test CA, as a deployment's holds the public CAs Keycloak's certificate chains to.
        var trust = new ContainerExtras(new Dictionary<string, JsonNode?>(), [Mount(Path.Combine(_files, "tls", "ca.crt"), "/etc/ssl/certs/ca-certificates.crt")]);
        return ManifestExpressions.IsProject(entry)
            ? Runner.StartAsync(name, entry, ServiceImages.ImageOf(name), extras: trust)
            : Runner.StartAsync(name, entry, entry["image"]!.GetValue<string>());
    }

    /// <summary>Keycloak's entry, less its command line, run by the local provider on Keycloak's HTTPS port and files.</summary>
    private Task StartIdentitySubstituteAsync(JsonObject keycloak)
    {
        var entry = (JsonObject)keycloak.DeepClone();
        entry.Remove("args");
        var import = entry["bindMounts"]!.AsArray().Single()!["target"]!.GetValue<string>();
        var extras = new ContainerExtras(
            new Dictionary<string, JsonNode?>
            {
                ["Realm__File"] = $"{import}/iot-realm.json",
                ["ASPNETCORE_URLS"] = "https://+:8443",
                ["Kestrel__Certificates__Default__Path"] = "{keycloak-tls-certificate-file.value}",
                ["Kestrel__Certificates__Default__KeyPath"] = "{keycloak-tls-key-file.value}",
            },
            [Mount(Path.Combine(_files, "tls"), "/opt/keycloak/conf/tls")]);
        return Runner.StartAsync(ResourceNames.Identity, entry, ServiceImages.ImageOf(IdentitySubstitute), extras: extras);
    }

    private static JsonObject Mount(string source, string target) => new() { ["source"] = source, ["target"] = target, ["readOnly"] = true };

    /// <summary>A one-shot (no restart policy) has run to success; a long-running project answers its readiness probe.</summary>
    private async Task WaitUntilReadyAsync(string name)
    {
        var entry = Runner.Expressions.Resource(name);
        if (!ManifestExpressions.IsProject(entry))
        {
            return; // The manifest gives containers no probe: the services' readiness includes them.
        }

        try
        {
            if (entry["restart"] is null)
            {
                await Eventually.ReturnsAsync(() => StateAsync(ManifestRunner.ContainerName(name)), s => s.StartsWith("exited", StringComparison.Ordinal), ReadyTimeout, $"{name} finished");
                Assert.Equal("exited 0", await StateAsync(ManifestRunner.ContainerName(name)));
                return;
            }

            var readiness = entry["probes"]?.AsArray().SingleOrDefault(p => p!["type"]!.GetValue<string>() == "readiness");
            Assert.True(readiness is not null, $"{name} runs for good but the manifest gives it no readiness probe");
            // A restart on the way is what the policy is for (a service up before the schema): only readiness counts.
            await ProbeAsync(name, readiness, ManifestRunner.ContainerName(name), ReadyTimeout, o => o.Ready);
        }
        catch (Exception ex) when (ex is TimeoutException or Xunit.Sdk.XunitException)
        {
            var logs = await Engine.TryDockerAsync(["logs", "--tail", "40", ManifestRunner.ContainerName(name)]);
            throw new InvalidOperationException($"{name} did not become ready: {ex.Message}\n{logs.Output}\n{logs.Error}", ex);
        }
    }

    /// <summary>What a probe saw: the container's state ("running 0", "exited 1") and the answer, if any.</summary>
    public sealed record Observation(string State, HttpStatusCode? Status)
    {
        public bool Ready => Status == HttpStatusCode.OK;
    }

    /// <summary>Polls a readiness probe until <paramref name="done"/> holds (bounded); returns that observation.</summary>
    public async Task<Observation> ProbeAsync(string name, JsonNode probe, string container, TimeSpan timeout, Func<Observation, bool> done)
    {
        var address = await Runner.AddressAsync(name, probe["endpoint"]!.GetValue<string>(), probe: true, containerName: container);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        return await Eventually.ReturnsAsync(
            async () =>
            {
                var state = await StateAsync(container);
                try
                {
                    using var response = await http.GetAsync(new Uri(address, probe["path"]!.GetValue<string>()));
                    return new Observation(state, response.StatusCode);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return new Observation(state, null); // Not listening (yet).
                }
            },
            done,
            timeout,
            $"{container} on {probe["path"]}");
    }

    /// <summary>"running 0", "exited 1", "restarting 2": the container's status and its exit code, or its restarts while running.</summary>
    public async Task<string> StateAsync(string container) =>
        (await Engine.DockerAsync("inspect", "-f", "{{.State.Status}} {{if .State.Running}}{{.RestartCount}}{{else}}{{.State.ExitCode}}{{end}}", container)).Trim();

    /// <summary>Reaches https://identity:8443 through its published port and trusts exactly the test CA.</summary>
    private SocketsHttpHandler IdentityHandler()
    {
        var ca = _ca;
        return new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var published = _identityPublished ??= await Runner.AddressAsync(ResourceNames.Identity, "https");
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(published.Host, published.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificates.IsSignedBy(ca, certificate) },
        };
    }

    private static string NewSecret() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public async Task DisposeAsync()
    {
        _tokens?.Dispose();
        _ca?.Dispose();
        if (Engine is not null)
        {
            await Engine.StopAsync();
        }

        if (Directory.Exists(_files))
        {
            Directory.Delete(_files, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ManifestRunCollection : ICollectionFixture<ManifestRunFixture>
{
    public const string Name = "manifest run";
}
