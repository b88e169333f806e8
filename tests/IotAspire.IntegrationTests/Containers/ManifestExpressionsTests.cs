using System.Text.Json.Nodes;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>The manifest runner's placeholder resolution, without an engine.</summary>
public sealed class ManifestExpressionsTests
{
    private static readonly ManifestExpressions Expressions = new(JsonNode.Parse("""
        {
          "pw": { "type": "parameter.v0", "value": "{pw.inputs.value}", "inputs": { "value": { "type": "string", "secret": true } } },
          "db": { "type": "container.v0", "image": "postgres", "connectionString": "Host={db.bindings.tcp.host};Port={db.bindings.tcp.port};Password={pw.value}",
                  "bindings": { "tcp": { "scheme": "tcp", "targetPort": 5432 } } },
          "iotdb": { "type": "value.v0", "connectionString": "{db.connectionString};Database=iotdb" },
          "api": { "type": "project.v0", "path": "Api.csproj", "bindings": { "http": { "scheme": "http" } } }
        }
        """)!.AsObject(), new Dictionary<string, string> { ["pw"] = "secret" });

    [Fact]
    public void Resolve_ConnectionStringOfAValue_ResolvesThroughTheContainerAndTheParameter()
    {
        Assert.Equal("Host=db;Port=5432;Password=secret;Database=iotdb", Expressions.Resolve("{iotdb.connectionString}"));
    }

    [Fact]
    public void Resolve_ProjectBindingWithoutPort_IsTheContainerHttpPort()
    {
        Assert.Equal("http://api:8080", Expressions.Resolve("{api.bindings.http.url}"));
        Assert.Equal("8080", Expressions.Resolve("{api.bindings.http.targetPort}"));
    }

    [Theory]
    [InlineData("{missing.connectionString}")]
    [InlineData("{api.bindings.grpc.url}")]
    [InlineData("{api.connectionString}")]
    public void Resolve_UnknownPlaceholder_Throws(string text)
    {
        Assert.Throws<InvalidOperationException>(() => Expressions.Resolve(text));
    }
}
