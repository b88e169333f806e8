using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.Publishing;
using Microsoft.Extensions.Configuration;

namespace IotAspire.AppHost.Infrastructure;

/// <summary>
/// The Aspire 13 manifest has no field for a restart policy, and its writer leaves out the health probes that the
/// resources declare (WithHttpProbe). A deployment needs both, so once the manifest is written each resource gets
/// <c>"restart": "always"</c> when it is supervised locally (<see cref="RestartOnExitAnnotation"/>: a one-shot like the
/// migrations does not) and <c>"probes"</c>: [{type, path, endpoint, period, timeout, failureThreshold}] from its probe
/// annotations. Extra properties, so a deployer that does not know them reads the manifest as before.
/// </summary>
public static class ManifestDeploymentHints
{
    public static IDistributedApplicationBuilder AddManifestDeploymentHints(this IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            MarkPublicEndpoints(builder.Resources);
        }

        builder.Eventing.Subscribe<AfterPublishEvent>((published, cancellationToken) =>
        {
            // --output-path, as the manifest publisher reads it.
            var path = builder.Configuration["Pipeline:OutputPath"] ?? builder.Configuration["Publishing:OutputPath"];
            return path is null ? Task.CompletedTask : AddAsync(ManifestFile(path), published.Model, cancellationToken);
        });
        return builder;
    }

    /// <summary>
    /// What a deployment exposes outside its network ("external": true), the rest stays internal: the broker's listeners
    /// (devices), the identity provider's public endpoint (users sign in there), and the HTTP entries: the gateway when
    /// there is one (it fronts the Api replicas), else the Api, and the dashboard (not behind the gateway yet).
    /// </summary>
    private static void MarkPublicEndpoints(IEnumerable<IResource> resources)
    {
        var all = resources.ToList();
        string[] httpEntries = all.Any(r => r.Name == Core.ResourceNames.Gateway)
            ? [Core.ResourceNames.Gateway, Core.ResourceNames.Dashboard]
            : [Core.ResourceNames.Api, Core.ResourceNames.Dashboard];
        foreach (var resource in all)
        {
            foreach (var endpoint in resource.Annotations.OfType<EndpointAnnotation>())
            {
                endpoint.IsExternal |= resource.Name switch
                {
                    Core.ResourceNames.Mqtt => true,
                    Core.ResourceNames.Identity => endpoint.UriScheme is "http" or "https" && endpoint.Name != "management",
                    _ => httpEntries.Contains(resource.Name) && endpoint.Name == "http",
                };
            }
        }
    }

    private static string ManifestFile(string outputPath) =>
        outputPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? outputPath : Path.Combine(outputPath, "aspire-manifest.json");

    private static async Task AddAsync(string file, DistributedApplicationModel model, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            return;
        }

        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken))!;
        var resources = manifest["resources"]!.AsObject();
        foreach (var resource in model.Resources)
        {
            if (resources[resource.Name] is not JsonObject entry)
            {
                continue;
            }

            if (resource.Annotations.OfType<RestartOnExitAnnotation>().Any())
            {
                entry["restart"] = "always";
            }

            var probes = resource.Annotations.OfType<EndpointProbeAnnotation>().Select(probe => (JsonNode)new JsonObject
            {
                ["type"] = probe.Type.ToString().ToLowerInvariant(),
                ["path"] = probe.Path,
                ["endpoint"] = probe.EndpointReference.EndpointName,
                ["initialDelaySeconds"] = probe.InitialDelaySeconds,
                ["periodSeconds"] = probe.PeriodSeconds,
                ["timeoutSeconds"] = probe.TimeoutSeconds,
                ["failureThreshold"] = probe.FailureThreshold,
            }).ToArray();
            if (probes.Length > 0)
            {
                entry["probes"] = new JsonArray(probes);
            }
        }

        await File.WriteAllTextAsync(file, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
    }
}
