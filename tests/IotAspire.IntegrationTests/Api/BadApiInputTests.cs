using System.Net;
using System.Text;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Api;

/// <summary>
/// The bad-input corpus of the Api: every request gets an honest 4xx with <c>application/problem+json</c>, never a
/// 500, and the Api answers normally right after.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BadApiInputTests(StackFixture stack)
{
    private const string Json = "application/json";
    private const string SqlMetric = "x'); DROP TABLE telemetry;--";

    /// <summary>Case name → (method, path with {id} for a registered device, body, content type, accepted statuses).</summary>
    private static readonly Dictionary<string, (string Method, string Path, Func<string?> Body, string ContentType, int[] Statuses)> Corpus = new()
    {
        // Device registration: malformed JSON, wrong types, oversized bodies, bad ids.
        ["create-malformed-json"] = ("POST", "/api/devices", () => """{"id":""", Json, [400]),
        ["create-not-json"] = ("POST", "/api/devices", () => "id=abc", Json, [400]),
        ["create-empty-body"] = ("POST", "/api/devices", () => "", Json, [400]),
        ["create-id-number"] = ("POST", "/api/devices", () => """{"id":123}""", Json, [400]),
        ["create-id-array"] = ("POST", "/api/devices", () => """{"id":["a"]}""", Json, [400]),
        ["create-name-object"] = ("POST", "/api/devices", () => """{"id":"t-typed-name","name":{"x":1}}""", Json, [400]),
        ["create-root-array"] = ("POST", "/api/devices", () => "[]", Json, [400]),
        ["create-null"] = ("POST", "/api/devices", () => "null", Json, [400]),
        ["create-deep-nesting"] = ("POST", "/api/devices", () => """{"id":"t-deep","name":""" + Deep(1000) + "}", Json, [400]),
        ["create-id-with-slash"] = ("POST", "/api/devices", () => """{"id":"a/b"}""", Json, [400]),
        ["create-id-dot-dot"] = ("POST", "/api/devices", () => """{"id":".."}""", Json, [400]),
        ["create-id-wildcards"] = ("POST", "/api/devices", () => """{"id":"a+#"}""", Json, [400]),
        ["create-id-sql"] = ("POST", "/api/devices", () => """{"id":"x'); DROP TABLE devices;--"}""", Json, [400]),
        ["create-name-1mb"] = ("POST", "/api/devices", () => $$"""{"id":"t-long-name","name":"{{new string('n', 1_000_000)}}"}""", Json, [400, 413]),
        ["create-body-40mb"] = ("POST", "/api/devices", () => $$"""{"id":"t-huge","name":"{{new string('n', 40_000_000)}}"}""", Json, [413]),
        ["create-wrong-content-type"] = ("POST", "/api/devices", () => """{"id":"t-plain"}""", "text/plain", [415]),
        // Ids in the path.
        ["get-id-encoded-slash"] = ("GET", "/api/devices/a%2Fb", () => null, Json, [400]),
        ["get-id-encoded-dot-dot"] = ("GET", "/api/devices/%2E%2E", () => null, Json, [400, 404]),
        ["get-id-slash"] = ("GET", "/api/devices/{id}/x/y", () => null, Json, [404]),
        ["get-id-encoded-dot-dot-slash"] = ("GET", "/api/devices/..%2F..%2Fetc%2Fpasswd", () => null, Json, [400]),
        ["get-id-too-long"] = ("GET", "/api/devices/" + new string('a', 5000), () => null, Json, [400]),
        ["shadow-id-encoded-slash"] = ("GET", "/api/devices/a%2Fb/shadow", () => null, Json, [400]),
        ["telemetry-id-encoded-slash"] = ("GET", "/api/devices/a%2Fb/telemetry?metric=t", () => null, Json, [400]),
        // Listing.
        ["list-limit-huge"] = ("GET", "/api/devices?limit=1000000000", () => null, Json, [400]),
        ["list-limit-overflow"] = ("GET", "/api/devices?limit=99999999999999999999", () => null, Json, [400]),
        ["list-limit-negative"] = ("GET", "/api/devices?limit=-1", () => null, Json, [400]),
        ["list-limit-text"] = ("GET", "/api/devices?limit=ten", () => null, Json, [400]),
        ["list-after-slash"] = ("GET", "/api/devices?after=a%2Fb", () => null, Json, [400]),
        ["list-search-huge"] = ("GET", "/api/devices?search=" + new string('s', 5000), () => null, Json, [400]),
        // Telemetry queries: absurd ranges, huge limits, bad metric names.
        ["telemetry-year-1-to-9999"] = ("GET", "/api/devices/{id}/telemetry?metric=t&from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", () => null, Json, [400]),
        ["telemetry-from-after-to"] = ("GET", "/api/devices/{id}/telemetry?metric=t&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", () => null, Json, [400]),
        ["telemetry-from-max"] = ("GET", "/api/devices/{id}/telemetry?metric=t&from=9999-12-31T23:59:59.9999999Z", () => null, Json, [400]),
        ["telemetry-year-1-one-day"] = ("GET", "/api/devices/{id}/telemetry?metric=t&from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z", () => null, Json, [400]),
        ["telemetry-before-epoch"] = ("GET", "/api/devices/{id}/telemetry?metric=t&from=1969-12-31T00:00:00Z&to=1970-01-01T01:00:00Z", () => null, Json, [400]),
        ["telemetry-to-min"] = ("GET", "/api/devices/{id}/telemetry?metric=t&to=0001-01-01T00:00:00Z", () => null, Json, [400]),
        ["telemetry-from-garbage"] = ("GET", "/api/devices/{id}/telemetry?metric=t&from=2026-13-45", () => null, Json, [400]),
        ["telemetry-limit-huge"] = ("GET", "/api/devices/{id}/telemetry?metric=t&limit=2147483647", () => null, Json, [400]),
        ["telemetry-limit-overflow"] = ("GET", "/api/devices/{id}/telemetry?metric=t&limit=99999999999", () => null, Json, [400]),
        ["telemetry-interval-unknown"] = ("GET", "/api/devices/{id}/telemetry?metric=t&interval=1y", () => null, Json, [400]),
        ["telemetry-interval-sql"] = ("GET", "/api/devices/{id}/telemetry?metric=t&interval=1m'--", () => null, Json, [400]),
        ["telemetry-after-garbage"] = ("GET", "/api/devices/{id}/telemetry?metric=t&after=%27%3B--", () => null, Json, [400]),
        ["telemetry-metric-too-long"] = ("GET", "/api/devices/{id}/telemetry?metric=" + new string('m', 129), () => null, Json, [400]),
        ["telemetry-metric-control-char"] = ("GET", "/api/devices/{id}/telemetry?metric=a%0Ab", () => null, Json, [400]),
        ["telemetry-metric-empty"] = ("GET", "/api/devices/{id}/telemetry?metric=", () => null, Json, [400]),
        ["telemetry-metrics-too-many"] = ("GET", "/api/devices/{id}/telemetry?" + string.Join('&', Enumerable.Range(0, 50).Select(i => $"metric=m{i}")), () => null, Json, [400]),
        // Shadow updates.
        ["shadow-malformed-json"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":""", Json, [400]),
        ["shadow-empty-body"] = ("PATCH", "/api/devices/{id}/shadow", () => "", Json, [400]),
        ["shadow-state-array"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":[1]}""", Json, [400]),
        ["shadow-desired-string"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":{"desired":"on"}}""", Json, [400]),
        ["shadow-version-string"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":{"desired":{"a":1}},"version":"one"}""", Json, [400]),
        ["shadow-reported-by-app"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":{"reported":{"a":1}}}""", Json, [400, 403]),
        ["shadow-nan"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":{"desired":{"a":NaN}}}""", Json, [400]),
        ["shadow-deep-nesting"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":{"desired":""" + Deep(1000) + "}}", Json, [400]),
        ["shadow-oversized"] = ("PATCH", "/api/devices/{id}/shadow", () => """{"state":{"desired":{"a":""" + $"\"{new string('x', 2_000_000)}\"" + "}}}", Json, [413]),
        // Commands.
        ["command-malformed-json"] = ("POST", "/api/devices/{id}/commands/reboot", () => """{"payload":""", Json, [400]),
        ["command-timeout-string"] = ("POST", "/api/devices/{id}/commands/reboot", () => """{"timeoutSeconds":"soon"}""", Json, [400]),
        ["command-timeout-huge"] = ("POST", "/api/devices/{id}/commands/reboot", () => """{"timeoutSeconds":99999999999}""", Json, [400]),
        ["command-timeout-zero"] = ("POST", "/api/devices/{id}/commands/reboot", () => """{"timeoutSeconds":0}""", Json, [400]),
        ["command-name-wildcard"] = ("POST", "/api/devices/{id}/commands/%2B", () => """{}""", Json, [400]),
        ["command-name-hash"] = ("POST", "/api/devices/{id}/commands/%23", () => """{}""", Json, [400]),
        ["command-name-slash"] = ("POST", "/api/devices/{id}/commands/a%2Fb", () => """{}""", Json, [400]),
        ["command-body-40mb"] = ("POST", "/api/devices/{id}/commands/reboot", () => $$"""{"payload":"{{new string('p', 40_000_000)}}"}""", Json, [413]),
    };

    public static TheoryData<string> CaseNames => new(Corpus.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Send_BadInput_ReturnsProblemDetailsWithHonestStatusAndApiStaysHealthy(string caseName)
    {
        var (method, path, bodyOf, contentType, statuses) = Corpus[caseName];
        var device = path.Contains("{id}", StringComparison.Ordinal) ? await DeviceCredentials.RegisterAsync(stack, "badapi") : null;
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path.Replace("{id}", device?.Id, StringComparison.Ordinal), UriKind.Relative));
        if (bodyOf() is { } body)
        {
            request.Content = new StringContent(body, Encoding.UTF8, contentType);
            // As curl does for large bodies: the server can refuse on the headers before the body is sent.
            request.Headers.ExpectContinue = true;
        }

        using var response = await stack.Api.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(statuses.Contains((int)response.StatusCode), $"{caseName}: {(int)response.StatusCode} {text[..Math.Min(text.Length, 500)]}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertApiHealthyAsync();
    }

    [Theory]
    [InlineData("POST", "/api/devices", "{\"id\":\"{new}\",\"name\":\"", "\"}")]
    [InlineData("PATCH", "/api/devices/{id}/shadow", "{\"state\":{\"desired\":{\"a\":\"", "\"}}}")]
    [InlineData("POST", "/api/devices/{id}/commands/reboot", "{\"payload\":{\"a\":\"", "\"}}")]
    public async Task Send_StringNotUtf8_Returns400ProblemDetails(string method, string path, string before, string after)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "badutf8");
        byte[] body = [.. Encoding.UTF8.GetBytes(before.Replace("{new}", DeviceCredentials.NewId("utf8"), StringComparison.Ordinal)), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes(after)];
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", device.Id, StringComparison.Ordinal))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
        };

        using var response = await stack.Api.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertApiHealthyAsync();
    }

    [Theory]
    [InlineData("/api/devices/a%00b")]
    [InlineData("/api/devices/%ZZ")]
    public async Task Get_RequestTargetKestrelRefuses_400BeforeTheAppAndApiStaysHealthy(string path)
    {
        // Kestrel refuses such a request line itself, before any middleware: a bare 400, no ProblemDetails possible.
        using var response = await stack.Api.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertApiHealthyAsync();
    }

    [Fact]
    public async Task GetTelemetry_MetricNameWithSql_AnsweredAsAnOrdinaryNameAndTablesIntact()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "sqlquery");

        using var response = await stack.Api.GetAsync(
            $"/api/devices/{device.Id}/telemetry?metric={Uri.EscapeDataString(SqlMetric)}&metric={Uri.EscapeDataString("' OR 1=1 --")}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("DROP TABLE telemetry", body, StringComparison.Ordinal); // the series is named, and empty
        Assert.Equal(0, await Database.CountTelemetryAsync(stack, device.Id));
        await AssertApiHealthyAsync();
    }

    [Fact]
    public async Task ListDevices_SearchWithSqlAndLikeWildcards_MatchesLiterallyOnly()
    {
        using var response = await stack.Api.GetAsync($"/api/devices?search={Uri.EscapeDataString("%' OR '1'='1")}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"items\":[]", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetDevice_UnknownQueryParameters_Ignored()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "unknownq");

        using var response = await stack.Api.GetAsync($"/api/devices/{device.Id}?foo=bar&limit=ten&$where=1%3D1");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string Deep(int levels) => string.Concat(Enumerable.Repeat("{\"a\":", levels)) + "1" + new string('}', levels);

    private async Task AssertApiHealthyAsync()
    {
        using var list = await stack.Api.GetAsync("/api/devices?limit=1");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }
}
