using System.Text.Json;

namespace IotAspire.IntegrationTests.Hosting;

/// <summary>
/// The manifest that azd and other deployers read, as written. Containers/ManifestRunTests also runs it.
/// </summary>
public sealed class ManifestTests
{
    private static readonly Lazy<Task<JsonElement>> Manifest = new(GenerateAsync);

    [Theory]
    [InlineData("postgres", "docker.io/library/postgres")]
    [InlineData("redis", "docker.io/library/redis")]
    [InlineData("mqtt", "docker.io/eclipse-mosquitto:2")]
    public async Task Manifest_Infrastructure_IsContainers(string name, string imagePrefix)
    {
        var resource = (await Manifest.Value).GetProperty("resources").GetProperty(name);

        Assert.StartsWith("container.v", resource.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.StartsWith(imagePrefix, resource.GetProperty("image").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manifest_Broker_RunsTheSharedStartScriptWithPersistentData()
    {
        var mqtt = (await Manifest.Value).GetProperty("resources").GetProperty("mqtt");

        Assert.Equal("/bin/sh", mqtt.GetProperty("entrypoint").GetString());
        Assert.Contains("/iotaspire/mosquitto.sh", mqtt.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(1883, mqtt.GetProperty("bindings").GetProperty("mqtt").GetProperty("targetPort").GetInt32());
        Assert.Equal("mqtt://{mqtt.bindings.mqtt.host}:{mqtt.bindings.mqtt.port}", mqtt.GetProperty("connectionString").GetString());
        Assert.Contains(mqtt.GetProperty("volumes").EnumerateArray(), v => v.GetProperty("target").GetString() == "/mosquitto/data");
    }

    [Fact]
    public async Task Manifest_Broker_HasTlsListenerWithCertificateMount()
    {
        var mqtt = (await Manifest.Value).GetProperty("resources").GetProperty("mqtt");

        Assert.Equal(8883, mqtt.GetProperty("bindings").GetProperty("mqtts").GetProperty("targetPort").GetInt32());
        Assert.Contains(mqtt.GetProperty("bindMounts").EnumerateArray(), mount =>
            mount.GetProperty("target").GetString() == "/mosquitto/certs" &&
            mount.GetProperty("source").GetString()!.Replace('\\', '/').EndsWith("/tls", StringComparison.Ordinal) &&
            mount.GetProperty("readOnly").GetBoolean());
        var env = mqtt.GetProperty("env");
        Assert.Equal("8883", env.GetProperty("MQTT_TLS_PORT").GetString());
        Assert.Equal("/mosquitto/certs", env.GetProperty("MQTT_TLS_DIR").GetString());
        // Services keep the plain listener: the TLS one is for devices.
        Assert.Equal("mqtt://{mqtt.bindings.mqtt.host}:{mqtt.bindings.mqtt.port}", mqtt.GetProperty("connectionString").GetString());
    }

    [Theory]
    [InlineData("api-1", new[] { "iotdb", "redis", "mqtt" })]
    [InlineData("deviceworker", new[] { "iotdb", "redis", "mqtt" })]
    [InlineData("migrations", new[] { "iotdb", "mqtt" })]
    public async Task Manifest_Services_GetOnlyConnectionStringsByResourceName(string service, string[] connections)
    {
        var env = (await Manifest.Value).GetProperty("resources").GetProperty(service).GetProperty("env");

        foreach (var name in connections)
        {
            Assert.Equal($"{{{name}.connectionString}}", env.GetProperty($"ConnectionStrings__{name}").GetString());
        }

        Assert.DoesNotContain(env.EnumerateObject(), variable => variable.Name is "CACHE_HOST" or "IOTDB_URI");
    }

    [Fact]
    public async Task Manifest_Secrets_AreGeneratedParameters()
    {
        var resources = (await Manifest.Value).GetProperty("resources");

        foreach (var name in new[] { "mqtt-admin-password", "mqtt-worker-password", "mqtt-api-password" })
        {
            var input = resources.GetProperty(name).GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean());
            Assert.True(input.TryGetProperty("default", out _), $"{name} has no generated default");
        }

        var workerEnv = resources.GetProperty("deviceworker").GetProperty("env");
        Assert.Equal("{mqtt-worker-password.value}", workerEnv.GetProperty("Mqtt__Password").GetString());
    }

    [Fact]
    public async Task Manifest_ApiBrokerAccount_IsGivenToMigrationsAndApi()
    {
        var resources = (await Manifest.Value).GetProperty("resources");

        var apiEnv = resources.GetProperty("api-1").GetProperty("env");
        Assert.Equal("api", apiEnv.GetProperty("Mqtt__Username").GetString());
        Assert.Equal("{mqtt-api-password.value}", apiEnv.GetProperty("Mqtt__Password").GetString());
        var migrationsEnv = resources.GetProperty("migrations").GetProperty("env");
        Assert.Equal("api", migrationsEnv.GetProperty("ApiAccount__Username").GetString());
        Assert.Equal("{mqtt-api-password.value}", migrationsEnv.GetProperty("ApiAccount__Password").GetString());
    }

    [Fact]
    public async Task Manifest_Identity_IsKeycloakImportingTheRealmWithSecretPasswords()
    {
        var resources = (await Manifest.Value).GetProperty("resources");
        var keycloak = resources.GetProperty("identity");

        Assert.StartsWith("container.v", keycloak.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("quay.io/keycloak/keycloak:26", keycloak.GetProperty("image").GetString(), StringComparison.Ordinal);
        Assert.Equal(["start", "--import-realm"], keycloak.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains(keycloak.GetProperty("bindMounts").EnumerateArray(), mount =>
            mount.GetProperty("target").GetString() == "/opt/keycloak/data/import" &&
            mount.GetProperty("source").GetString()!.Replace('\\', '/').EndsWith("realm", StringComparison.Ordinal) &&
            mount.GetProperty("readOnly").GetBoolean());
        Assert.Equal(8443, keycloak.GetProperty("bindings").GetProperty("https").GetProperty("targetPort").GetInt32());

        var env = keycloak.GetProperty("env");
        Assert.Equal("{keycloak-admin-password.value}", env.GetProperty("KC_BOOTSTRAP_ADMIN_PASSWORD").GetString());
        Assert.Equal("{admin-password.value}", env.GetProperty("IOT_ADMIN_PASSWORD").GetString());
        Assert.Equal("{operator-password.value}", env.GetProperty("IOT_OPERATOR_PASSWORD").GetString());
        Assert.Equal("{viewer-password.value}", env.GetProperty("IOT_VIEWER_PASSWORD").GetString());
        Assert.Equal("{identity-service-secret.value}", env.GetProperty("IOT_SERVICE_CLIENT_SECRET").GetString());
        foreach (var name in new[] { "keycloak-admin-password", "admin-password", "operator-password", "viewer-password", "identity-service-secret" })
        {
            var input = resources.GetProperty(name).GetProperty("inputs").GetProperty("value");
            Assert.True(input.GetProperty("secret").GetBoolean(), $"{name} is not secret");
            Assert.True(input.TryGetProperty("default", out _), $"{name} has no generated default");
        }
    }

    [Fact]
    public async Task Manifest_Identity_IsProductionKeycloakOverHttpsAndServicesRequireHttpsMetadata()
    {
        var resources = (await Manifest.Value).GetProperty("resources");
        var env = resources.GetProperty("identity").GetProperty("env");

        Assert.Equal("{keycloak-hostname.value}", env.GetProperty("KC_HOSTNAME").GetString());
        Assert.Equal("{keycloak-tls-certificate-file.value}", env.GetProperty("KC_HTTPS_CERTIFICATE_FILE").GetString());
        Assert.Equal("{keycloak-tls-key-file.value}", env.GetProperty("KC_HTTPS_CERTIFICATE_KEY_FILE").GetString());
        Assert.Equal("false", env.GetProperty("KC_HTTP_ENABLED").GetString());
        Assert.Equal("postgres", env.GetProperty("KC_DB").GetString());
        Assert.Contains("/keycloak", env.GetProperty("KC_DB_URL").GetString(), StringComparison.Ordinal);
        Assert.False(resources.GetProperty("keycloak-hostname").GetProperty("inputs").GetProperty("value").TryGetProperty("default", out _),
            "the public host name is the deployer's to set");

        var api = resources.GetProperty("api-1").GetProperty("env");
        Assert.Equal("true", api.GetProperty("Identity__RequireHttpsMetadata").GetString());
        Assert.Equal("{keycloak-hostname.value}/realms/iot", api.GetProperty("Identity__Authority").GetString());
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("redis")]
    [InlineData("mqtt")]
    [InlineData("identity")]
    [InlineData("gateway")]
    [InlineData("api-1")]
    [InlineData("api-2")]
    [InlineData("deviceworker")]
    [InlineData("archiver")]
    [InlineData("dashboard")]
    public async Task Manifest_LongRunningResource_IsRestartedAlways(string name)
    {
        var resource = (await Manifest.Value).GetProperty("resources").GetProperty(name);

        Assert.Equal("always", resource.GetProperty("restart").GetString());
    }

    [Fact]
    public async Task Manifest_Gateway_IsTheOnlyExternalHttpEndpointAndSendsToEveryApiReplica()
    {
        var resources = (await Manifest.Value).GetProperty("resources");

        var gateway = resources.GetProperty("gateway");
        Assert.True(gateway.GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        var env = gateway.GetProperty("env");
        Assert.Equal("{api-1.bindings.http.url}", env.GetProperty("Gateway__ApiReplicas__0").GetString());
        Assert.Equal("{api-2.bindings.http.url}", env.GetProperty("Gateway__ApiReplicas__1").GetString());
        foreach (var replica in new[] { "api-1", "api-2" })
        {
            var binding = resources.GetProperty(replica).GetProperty("bindings").GetProperty("http");
            Assert.False(binding.TryGetProperty("external", out var external) && external.GetBoolean(), $"{replica} is reachable from outside");
            Assert.Equal("true", resources.GetProperty(replica).GetProperty("env").GetProperty("ASPNETCORE_FORWARDEDHEADERS_ENABLED").GetString());
        }
    }

    [Fact]
    public async Task Manifest_Migrations_RunOnceAndAreNotRestarted()
    {
        var migrations = (await Manifest.Value).GetProperty("resources").GetProperty("migrations");

        Assert.False(migrations.TryGetProperty("restart", out _));
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("api-1")]
    [InlineData("api-2")]
    [InlineData("deviceworker")]
    [InlineData("archiver")]
    [InlineData("dashboard")]
    public async Task Manifest_Service_HasReadinessAndLivenessProbes(string name)
    {
        var probes = (await Manifest.Value).GetProperty("resources").GetProperty(name).GetProperty("probes").EnumerateArray()
            .ToDictionary(p => p.GetProperty("type").GetString()!, p => p.GetProperty("path").GetString());

        Assert.Equal("/health", probes["readiness"]);
        Assert.Equal("/alive", probes["liveness"]);
    }

    [Theory]
    [InlineData("mqtt", "mqtt")]
    [InlineData("mqtt", "mqtts")]
    [InlineData("identity", "https")]
    public async Task Manifest_PublicEndpoint_IsExternal(string name, string binding)
    {
        var resource = (await Manifest.Value).GetProperty("resources").GetProperty(name);

        Assert.True(resource.GetProperty("bindings").GetProperty(binding).GetProperty("external").GetBoolean());
    }

    [Fact]
    public async Task Manifest_HttpEntry_IsExternalAndTheRestInternal()
    {
        var resources = (await Manifest.Value).GetProperty("resources");
        string[] entries = resources.TryGetProperty("gateway", out _) ? ["gateway", "dashboard"] : ["api", "dashboard"];

        foreach (var resource in resources.EnumerateObject().Where(r => r.Name != "mqtt" && r.Name != "identity"))
        {
            if (!resource.Value.TryGetProperty("bindings", out var bindings))
            {
                continue;
            }

            foreach (var binding in bindings.EnumerateObject())
            {
                var external = binding.Value.TryGetProperty("external", out var flag) && flag.GetBoolean();
                Assert.True(external == (entries.Contains(resource.Name) && binding.Name == "http"), $"{resource.Name}.bindings.{binding.Name} external: {external}");
            }
        }
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("api-1")]
    [InlineData("deviceworker")]
    [InlineData("archiver")]
    [InlineData("dashboard")]
    public async Task Manifest_ServiceProbes_UseThePlainHttpEndpoint(string name)
    {
        var probes = (await Manifest.Value).GetProperty("resources").GetProperty(name).GetProperty("probes").EnumerateArray();

        // In a container a service listens on HTTP_PORTS only: a probe on https would never succeed.
        Assert.All(probes, probe => Assert.Equal("http", probe.GetProperty("endpoint").GetString()));
    }

    [Fact]
    public async Task Manifest_Simulator_IsNotDeployed()
    {
        var resources = (await Manifest.Value).GetProperty("resources");

        Assert.False(resources.TryGetProperty("simulator", out _));
    }

    private static async Task<JsonElement> GenerateAsync()
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(await ManifestFile.GenerateAsync()));
        return document.RootElement.Clone();
    }
}
