using System.Globalization;
using System.Text;
using IotAspire.IntegrationTests.Infrastructure;
using IotAspire.IntegrationTests.Shadows;

namespace IotAspire.IntegrationTests.Ingest;

/// <summary>
/// The bad-input corpus of the device side: every case goes through the real broker with mosquitto_pub, ends in the
/// dead-letter table (or a shadow <c>rejected</c> reply) with a reason that names the problem, and the good message
/// sent right after it is stored: the worker keeps running.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class BadDeviceInputTests(StackFixture stack)
{
    private static readonly TimeSpan IngestTimeout = TimeSpan.FromSeconds(30);
    private const string Good = """{"good":42}""";

    /// <summary>Case name → (payload, what the dead letter's reason must contain).</summary>
    private static readonly Dictionary<string, (Func<byte[]> Payload, string Reason)> Corpus = new()
    {
        ["not-json"] = (() => Utf8("not json at all"), "invalid JSON"),
        ["truncated-json"] = (() => Utf8("""{"t":1"""), "invalid JSON"),
        ["two-documents"] = (() => Utf8("""{"t":1} {"u":2}"""), "is invalid after a single JSON value"),
        ["empty"] = (() => [], "payload is empty"),
        ["not-utf8"] = (() => [.. "{\"t\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8], "not valid UTF-8"),
        ["root-array"] = (() => Utf8("[1,2,3]"), "must be a JSON object, not an array"),
        ["value-object"] = (() => Utf8("""{"values":[{"name":"t","value":{"a":1}}]}"""), "the value of 't' is an object"),
        ["value-array"] = (() => Utf8("""{"t":[1,2,3]}"""), "the value of 't' is an array"),
        ["value-null"] = (() => Utf8("""{"values":[{"name":"t","value":null}]}"""), "the value of 't' is null"),
        ["name-not-string"] = (() => Utf8("""{"values":[{"name":7,"value":1}]}"""), "needs a string 'name'"),
        ["nan-literal"] = (() => Utf8("""{"t":NaN}"""), "invalid JSON"),
        ["infinity-literal"] = (() => Utf8("""{"t":-Infinity}"""), "invalid JSON"),
        ["number-1e400"] = (() => Utf8("""{"t":1e400}"""), "the value of 't' is not a finite number"),
        ["nul-in-text"] = (() => Utf8("""{"t":"a\u0000b"}"""), "NUL character"),
        ["nesting-9"] = (() => Utf8("""{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":1}}}}}}}}}}"""), "depth"),
        ["nesting-1000"] = (() => Utf8(string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000)), "depth"),
        ["array-nesting-1000"] = (() => Utf8("{\"t\":" + new string('[', 1000) + new string(']', 1000) + "}"), "depth"),
        ["huge-array-100k"] = (() => Utf8("""{"values":[""" + string.Join(',', Enumerable.Repeat("""{"name":"t","value":1}""", 100_000)) + "]}"), "payload too large"),
        ["huge-array-60k-within-size"] = (() => Utf8("{\"t\":[" + string.Join(',', Enumerable.Repeat("1", 60_000)) + "]}"), "the value of 't' is an array"),
        ["too-many-metrics"] = (() => Utf8("{" + string.Join(',', Enumerable.Range(0, 1001).Select(i => $"\"m{i}\":{i}")) + "}"), "more than 1000 values"),
        ["long-metric-name"] = (() => Utf8($$"""{"{{new string('m', 129)}}":1}"""), "longer than 128 characters"),
        ["empty-metric-name"] = (() => Utf8("""{"":1}"""), "metric name is empty"),
        ["control-char-in-name"] = (() => Utf8("""{"a\nb":1}"""), "control character"),
        ["before-2000"] = (() => Utf8("""{"ts":"1999-12-31T23:59:59Z","t":1}"""), "before 2000-01-01"),
        ["unix-zero"] = (() => Utf8("""{"ts":0,"t":1}"""), "before 2000-01-01"),
        ["older-than-window"] = (() => Utf8($$"""{"ts":"{{Iso(DateTimeOffset.UtcNow.AddDays(-800))}}","t":1}"""), "more than 730 days in the past"),
        ["two-days-ahead"] = (() => Utf8($$"""{"ts":"{{Iso(DateTimeOffset.UtcNow.AddDays(2))}}","t":1}"""), "more than a day in the future"),
        ["timestamp-1e300"] = (() => Utf8("""{"ts":1e300,"t":1}"""), "more than a day in the future"),
        ["year-9999"] = (() => Utf8("""{"ts":"9999-12-31T23:59:59Z","t":1}"""), "more than a day in the future"),
        ["timestamp-text"] = (() => Utf8("""{"ts":"yesterday","t":1}"""), "not an ISO-8601 date"),
        ["device-id-of-someone-else"] = (() => Utf8("""{"deviceId":"someone-else","values":[{"name":"t","value":1}]}"""), "does not match the topic's device"),
        ["device-id-not-string"] = (() => Utf8("""{"deviceId":42,"t":1}"""), "'deviceId' must be a string"),
        ["unknown-field-seed-shape"] = (() => Utf8("""{"values":[{"name":"t","value":1}],"firmware":"1.2"}"""), "unexpected property 'firmware'"),
        ["unknown-field-in-value"] = (() => Utf8("""{"values":[{"name":"t","value":1,"unit":"C"}]}"""), "unexpected property 'unit'"),
        ["only-reserved-fields"] = (() => Utf8("""{"deviceId":null}"""), "'deviceId' must be a string, not null"),
        ["no-values"] = (() => Utf8("{}"), "contains no values"),
        ["ten-megabytes"] = (() => Utf8($$"""{"blob":"{{new string('x', 10_000_000)}}"}"""), "payload too large"),
    };

    public static TheoryData<string> CaseNames => new(Corpus.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Publish_BadTelemetry_DeadLettersWithReasonAndStoresTheNextGoodMessage(string caseName)
    {
        var (payloadOf, expectedReason) = Corpus[caseName];
        var payload = payloadOf();
        var device = await DeviceCredentials.RegisterAsync(stack, "bad-" + caseName[..Math.Min(caseName.Length, 12)]);
        var topic = $"devices/{device.Id}/telemetry";

        var bad = await PublishBytesAsync(device, topic, payload);
        Assert.True(bad.ExitCode == 0, $"{caseName}: mosquitto_pub failed: {bad.Error}");
        var good = await MosquittoCli.PublishAsync(stack, device, topic, Good);
        Assert.True(good.ExitCode == 0, good.Error);

        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "good"), count => count == 1, IngestTimeout, $"{caseName}: the good point stored");
        var deadLetters = await Eventually.ReturnsAsync(() => Database.DeadLettersAsync(stack, device.Id), rows => rows.Count == 1, IngestTimeout, $"{caseName}: one dead letter");
        var (reason, deadTopic, size) = deadLetters[0];
        Assert.Equal(topic, deadTopic);
        Assert.Equal(payload.Length, size);
        Assert.Contains(expectedReason, reason, StringComparison.Ordinal);
        Assert.Equal(1, await Database.CountTelemetryAsync(stack, device.Id));
    }

    [Fact]
    public async Task Publish_DeviceIdOfAnotherRegisteredDevice_NothingIsWrittenUnderEitherDevice()
    {
        var intruder = await DeviceCredentials.RegisterAsync(stack, "claims");
        var victim = await DeviceCredentials.RegisterAsync(stack, "claimed");
        var topic = $"devices/{intruder.Id}/telemetry";

        await MosquittoCli.PublishAsync(stack, intruder, topic, $$"""{"deviceId":"{{victim.Id}}","spoofed":1}""");
        await MosquittoCli.PublishAsync(stack, intruder, topic, Good);

        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, intruder.Id, "good"), count => count == 1, IngestTimeout, "the good point stored");
        var deadLetter = Assert.Single(await Database.DeadLettersAsync(stack, intruder.Id));
        Assert.Contains($"'{victim.Id}' does not match the topic's device '{intruder.Id}'", deadLetter.Reason, StringComparison.Ordinal);
        Assert.Equal(0, await Database.CountTelemetryAsync(stack, victim.Id));
        Assert.Equal(0, await Database.CountTelemetryAsync(stack, intruder.Id, "spoofed"));
    }

    [Fact]
    public async Task Publish_MetricNamesWithSql_StoredVerbatimAndTablesIntact()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "sqlname");
        string[] names = ["x'); DROP TABLE telemetry;--", "\"; DELETE FROM devices; --", "a' OR '1'='1"];
        var message = "{" + string.Join(',', names.Select((n, i) => $"{System.Text.Json.JsonSerializer.Serialize(n)}:{i}")) + "}";

        var sent = await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", message);
        Assert.True(sent.ExitCode == 0, sent.Error);

        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count == 3, IngestTimeout, "3 points stored");
        foreach (var name in names)
        {
            Assert.Equal(1, await Database.CountTelemetryAsync(stack, device.Id, name));
        }

        Assert.Empty(await Database.DeadLettersAsync(stack, device.Id));
    }

    [Fact]
    public async Task Publish_UnknownFieldsInCompactShape_StoredAsMetricsNotDropped()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "unknown");

        await MosquittoCli.PublishAsync(stack, device, $"devices/{device.Id}/telemetry", """{"t":1,"firmware":"1.2.3","extra":{"nested":true}}""");

        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id), count => count == 3, IngestTimeout, "3 points stored");
        Assert.Equal(1, await Database.CountTelemetryAsync(stack, device.Id, "firmware"));
        Assert.Equal(1, await Database.CountTelemetryAsync(stack, device.Id, "extra.nested"));
    }

    [Fact]
    public async Task Publish_AboveTheBrokersMaxPacketSizeOverMqtt5_NeverSentAndWorkerUnaffected()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "toobig");
        var topic = $"devices/{device.Id}/telemetry";
        var payload = Utf8($$"""{"blob":"{{new string('x', 10_485_760)}}"}""");

        await PublishBytesAsync(device, topic, payload);
        var good = await MosquittoCli.PublishAsync(stack, device, topic, Good);

        // mosquitto_pub learns the broker's limit from CONNACK (MQTT 5) and does not send the packet at all (2.0.11
        // exits 0 without a word: the broker logs a normal disconnect); what matters is that nothing reaches the worker.
        Assert.True(good.ExitCode == 0, good.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "good"), count => count == 1, IngestTimeout, "the good point stored");
        Assert.Empty(await Database.DeadLettersAsync(stack, device.Id));
        Assert.Equal(1, await Database.CountTelemetryAsync(stack, device.Id));
    }

    [Fact]
    public async Task Publish_AboveTheBrokersMaxPacketSizeOverMqtt311_DisconnectedAndWorkerUnaffected()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "toobig311");
        var topic = $"devices/{device.Id}/telemetry";
        var payload = Utf8($$"""{"blob":"{{new string('x', 10_485_760)}}"}""");

        // MQTT 3.1.1 has no maximum packet size in CONNACK: the client sends, the broker disconnects it.
        var refused = await PublishBytesAsync(device, topic, payload, protocol: "mqttv311");
        var good = await MosquittoCli.PublishAsync(stack, device, topic, Good);

        Assert.True(good.ExitCode == 0, good.Error);
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "good"), count => count == 1, IngestTimeout, "the good point stored");
        Assert.Empty(await Database.DeadLettersAsync(stack, device.Id));
        Assert.Equal(1, await Database.CountTelemetryAsync(stack, device.Id));
        Assert.NotEqual(0, refused.ExitCode);
    }

    [Theory]
    [InlineData("not json", "bad-json")]
    [InlineData("""{"state":{"reported":{"t":NaN}}}""", "nan")]
    [InlineData("""{"state":{"reported":{"t":1e400}}}""", "1e400")]
    [InlineData("""{"state":{"reported":[1,2]}}""", "reported-array")]
    [InlineData("""{"state":{"reported":{"t":1}},"version":"one"}""", "version-string")]
    public async Task ShadowUpdate_BadRequest_Rejected400WithAMessageAndNextUpdateAccepted(string request, string label)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-" + label);
        var update = $"devices/{device.Id}/shadow/update";

        var rejected = await MosquittoDevice.RequestAsync(stack, device, update, update + "/rejected", request);
        var accepted = await MosquittoDevice.RequestAsync(stack, device, update, update + "/accepted", """{"state":{"reported":{"ok":true}}}""");

        Assert.Equal(400, (int)rejected["code"]!);
        Assert.False(string.IsNullOrWhiteSpace((string?)rejected["message"]), rejected.ToJsonString());
        Assert.Equal(1, (long)accepted["version"]!);
    }

    [Fact]
    public async Task ShadowUpdate_NestedThousandLevels_Rejected400()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "shadow-deep");
        var update = $"devices/{device.Id}/shadow/update";
        var deep = """{"state":{"reported":""" + string.Concat(Enumerable.Repeat("{\"a\":", 1000)) + "1" + new string('}', 1000) + "}}";

        var rejected = await MosquittoDevice.RequestAsync(stack, device, update, update + "/rejected", deep);

        Assert.Equal(400, (int)rejected["code"]!);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Iso(DateTimeOffset at) => at.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>mosquitto_pub with the payload from a file (-f): any bytes, any size; -n for an empty payload.</summary>
    private async Task<ProcessRunner.Result> PublishBytesAsync(DeviceCredentials device, string topic, byte[] payload, string protocol = "mqttv5")
    {
        var file = Path.Combine(Path.GetTempPath(), $"iotaspire-bad-{Guid.NewGuid():N}.bin");
        await File.WriteAllBytesAsync(file, payload);
        try
        {
            return await ProcessRunner.RunAsync("mosquitto_pub",
            [
                "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
                "-u", device.Username, "-P", device.Password, "-i", device.Username,
                "-V", protocol, "-q", "1", "-t", topic,
                .. (payload.Length == 0 ? ["-n"] : new[] { "-f", file }),
            ]);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
