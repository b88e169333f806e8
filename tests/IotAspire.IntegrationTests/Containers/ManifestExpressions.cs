using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>
/// Resolves the manifest's placeholders as a deployer does, from inside the resources' network: {x.bindings.b.host}
/// is the resource's name, {x.bindings.b.port} its port there, {x.connectionString} and {x.value} resolved in turn,
/// {x.inputs.value} the deployer's value of a parameter. A placeholder it cannot resolve is an error, never "".
/// </summary>
public sealed partial class ManifestExpressions(JsonObject resources, IReadOnlyDictionary<string, string> parameterValues)
{
    /// <summary>The port a project's http binding listens on when the manifest leaves it open (azd's choice too).</summary>
    public const int ProjectHttpPort = 8080;
    public const int ProjectHttpsPort = 8443;

    public string Resolve(string text, int depth = 0)
    {
        if (depth > 10)
        {
            throw new InvalidOperationException($"The manifest's placeholders nest too deep (a cycle?) at '{text}'.");
        }

        return Placeholder().Replace(text, match => Resolve(Lookup(match.Groups[1].Value), depth + 1));
    }

    public JsonObject Resource(string name) =>
        resources[name] as JsonObject ?? throw new InvalidOperationException($"The manifest has no resource '{name}'.");

    public static string TypeOf(JsonObject resource) => resource["type"]!.GetValue<string>();

    public static bool IsProject(JsonObject resource) => TypeOf(resource).StartsWith("project.", StringComparison.Ordinal);

    public static bool IsContainer(JsonObject resource) => TypeOf(resource).StartsWith("container.", StringComparison.Ordinal);

    /// <summary>The port the resource listens on inside its container.</summary>
    public int TargetPort(string name, string binding)
    {
        var entry = Binding(name, binding);
        if (entry["targetPort"] is { } port)
        {
            return port.GetValue<int>();
        }

        return IsProject(Resource(name))
            ? entry["scheme"]?.GetValue<string>() == "https" ? ProjectHttpsPort : ProjectHttpPort
            : throw new InvalidOperationException($"{name}.bindings.{binding} has no targetPort.");
    }

    public JsonObject Binding(string name, string binding) =>
        Resource(name)["bindings"]?[binding] as JsonObject ?? throw new InvalidOperationException($"The manifest has no binding {name}.bindings.{binding}.");

    private string Lookup(string path)
    {
        var parts = path.Split('.');
        var resource = Resource(parts[0]);
        return parts switch
        {
            [var name, "bindings", var binding, var property] => BindingProperty(name, binding, property),
            [var name, "connectionString"] => resource["connectionString"]?.GetValue<string>()
                ?? throw new InvalidOperationException($"{name} has no connectionString."),
            [var name, "value"] => ParameterOrValue(name, resource),
            [var name, "inputs", var input] when input == "value" => parameterValues.TryGetValue(name, out var value)
                ? value
                : throw new InvalidOperationException($"No value given for parameter {name}."),
            _ => throw new InvalidOperationException($"Unknown placeholder {{{path}}}."),
        };
    }

    private static string ParameterOrValue(string name, JsonObject resource) =>
        resource["value"]?.GetValue<string>() ?? throw new InvalidOperationException($"{name} has no value.");

    private string BindingProperty(string name, string binding, string property)
    {
        var entry = Binding(name, binding);
        var port = entry["port"]?.GetValue<int>() ?? TargetPort(name, binding);
        var scheme = entry["scheme"]?.GetValue<string>() ?? "tcp";
        return property switch
        {
            "host" => name,
            "port" => port.ToString(CultureInfo.InvariantCulture),
            "targetPort" => TargetPort(name, binding).ToString(CultureInfo.InvariantCulture),
            "scheme" => scheme,
            "url" => $"{scheme}://{name}:{port.ToString(CultureInfo.InvariantCulture)}",
            "tlsEnabled" => "False",
            _ => throw new InvalidOperationException($"Unknown binding property {name}.bindings.{binding}.{property}."),
        };
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)+)\}")]
    private static partial Regex Placeholder();
}
