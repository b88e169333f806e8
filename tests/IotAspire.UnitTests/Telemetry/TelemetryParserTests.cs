using System.Buffers;
using System.Text;
using IotAspire.Core.Telemetry;

namespace IotAspire.UnitTests.Telemetry;

public class TelemetryParserTests
{
    private const string Device = "dev-1";
    private static readonly DateTimeOffset ReceivedAt = new(2025, 11, 26, 10, 0, 30, TimeSpan.Zero);

    private static TelemetryParseResult Parse(string json, string device = Device) =>
        TelemetryParser.Parse(Encoding.UTF8.GetBytes(json), device, ReceivedAt);

    private static IReadOnlyList<TelemetryPoint> Accept(string json)
    {
        var result = Parse(json);
        Assert.True(result.IsAccepted, result.Rejection);
        return result.Points;
    }

    private static string Reject(string json, string device = Device)
    {
        var result = Parse(json, device);
        Assert.False(result.IsAccepted, "expected a rejection");
        Assert.Empty(result.Points);
        Assert.False(string.IsNullOrWhiteSpace(result.Rejection));
        return result.Rejection!;
    }

    [Fact]
    public void Parse_SeedShape_PerValueTimestampWinsOverMessageTimestamp()
    {
        var points = Accept("""
            {"deviceId":"dev-1","timestamp":1764151200,"values":[
              {"name":"temperature","value":21.5,"timestamp":1764151199},
              {"name":"humidity","value":40.1}]}
            """);

        Assert.Equal(2, points.Count);
        Assert.Equal(new TelemetryPoint("temperature", DateTimeOffset.FromUnixTimeSeconds(1764151199), TelemetryValue.FromNumber(21.5)), points[0]);
        Assert.Equal(new TelemetryPoint("humidity", DateTimeOffset.FromUnixTimeSeconds(1764151200), TelemetryValue.FromNumber(40.1)), points[1]);
    }

    [Fact]
    public void Parse_SeedShapeWithoutDeviceIdOrTimestamps_UsesReceiveTime()
    {
        var point = Assert.Single(Accept("""{"values":[{"name":"t","value":1}]}"""));

        Assert.Equal(ReceivedAt, point.Timestamp);
    }

    [Fact]
    public void Parse_SeedShapeAllTypes_KeepsNumbersBooleansAndStrings()
    {
        var points = Accept("""
            {"values":[{"name":"n","value":-3.25e2},{"name":"b","value":false},{"name":"s","value":"open"},{"name":"i","value":7}]}
            """);

        Assert.Equal(
            [TelemetryValue.FromNumber(-325), TelemetryValue.FromBoolean(false), TelemetryValue.FromText("open"), TelemetryValue.FromNumber(7)],
            points.Select(p => p.Value));
        Assert.Equal(["n", "b", "s", "i"], points.Select(p => p.Metric));
    }

    [Fact]
    public void Parse_SeedShapeDeviceIdDiffersFromTopic_Rejects()
    {
        var reason = Reject("""{"deviceId":"dev-2","values":[{"name":"t","value":1}]}""");

        Assert.Contains("does not match", reason);
    }

    [Fact]
    public void Parse_DeviceIdNotAString_Rejects()
    {
        Assert.Contains("deviceId", Reject("""{"deviceId":1,"values":[{"name":"t","value":1}]}"""));
    }

    [Theory]
    [InlineData("null", "null")]
    [InlineData("[1,2]", "an array")]
    [InlineData("""{"x":1}""", "an object")]
    public void Parse_SeedValueNullArrayOrObject_Rejects(string value, string described)
    {
        var reason = Reject($$"""{"values":[{"name":"t","value":{{value}}}]}""");

        Assert.Contains($"'t' is {described}", reason);
    }

    [Theory]
    [InlineData("""{"values":{"name":"t","value":1}}""", "must be an array")]
    [InlineData("""{"values":[1]}""", "values[0] must be an object")]
    [InlineData("""{"values":[{"value":1}]}""", "needs a string 'name'")]
    [InlineData("""{"values":[{"name":5,"value":1}]}""", "needs a string 'name'")]
    [InlineData("""{"values":[{"name":"t"}]}""", "needs a 'value'")]
    [InlineData("""{"values":[{"name":"t","value":1,"unit":"C"}]}""", "unexpected property 'unit'")]
    [InlineData("""{"values":[{"name":"t","value":1}],"extra":1}""", "unexpected property 'extra'")]
    [InlineData("""{"values":[]}""", "no values")]
    public void Parse_MalformedSeedShape_RejectsWithReason(string json, string expected)
    {
        Assert.Contains(expected, Reject(json));
    }

    [Fact]
    public void Parse_CompactShape_KeepsAllTypesAtMessageTimestamp()
    {
        var points = Accept("""{"ts":"2025-11-26T10:00:00Z","temperature":21.5,"humidity":40.1,"door":"open","on":true}""");

        var at = new DateTimeOffset(2025, 11, 26, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(
            [
                new TelemetryPoint("temperature", at, TelemetryValue.FromNumber(21.5)),
                new TelemetryPoint("humidity", at, TelemetryValue.FromNumber(40.1)),
                new TelemetryPoint("door", at, TelemetryValue.FromText("open")),
                new TelemetryPoint("on", at, TelemetryValue.FromBoolean(true)),
            ],
            points);
    }

    [Fact]
    public void Parse_CompactShapeNestedObjects_FlattensWithDots()
    {
        var points = Accept("""{"deviceId":"dev-1","gps":{"lat":1.5,"lon":2,"fix":{"ok":true}},"t":3}""");

        Assert.Equal(["gps.lat", "gps.lon", "gps.fix.ok", "t"], points.Select(p => p.Metric));
        Assert.All(points, p => Assert.Equal(ReceivedAt, p.Timestamp));
    }

    [Theory]
    [InlineData("""{"t":null}""", "'t' is null")]
    [InlineData("""{"t":[1]}""", "'t' is an array")]
    [InlineData("""{"gps":{}}""", "no values")]
    [InlineData("""{"ts":1764151200}""", "no values")]
    [InlineData("{}", "no values")]
    public void Parse_CompactShapeWithoutStorableValues_Rejects(string json, string expected)
    {
        Assert.Contains(expected, Reject(json));
    }

    [Fact]
    public void Parse_CompactShapeDeviceIdDiffersFromTopic_Rejects()
    {
        Assert.Contains("does not match", Reject("""{"deviceId":"other","t":1}"""));
    }

    [Theory]
    [InlineData("1764151200", 1764151200_000)]
    [InlineData("1764151200.25", 1764151200_250)]
    [InlineData("1764151200123", 1764151200_123)]
    [InlineData("\"2025-11-26T10:00:00Z\"", 1764151200_000)]
    [InlineData("\"2025-11-26T11:00:00.5+01:00\"", 1764151200_500)]
    [InlineData("\"2025-11-26T10:00:00\"", 1764151200_000)]
    public void Parse_TimestampFormats_SecondsMillisecondsAndIso(string timestamp, long expectedUnixMs)
    {
        var point = Assert.Single(Accept($$"""{"ts":{{timestamp}},"t":1}"""));

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(expectedUnixMs), point.Timestamp);
        Assert.Equal(TimeSpan.Zero, point.Timestamp.Offset);
    }

    [Fact]
    public void Parse_SubMicrosecondTimestamp_TruncatesToMicroseconds()
    {
        var point = Assert.Single(Accept("""{"ts":"2025-11-26T10:00:00.1234567Z","t":1}"""));

        Assert.Equal(new DateTimeOffset(2025, 11, 26, 10, 0, 0, TimeSpan.Zero).AddTicks(1234560), point.Timestamp);
    }

    [Theory]
    [InlineData("946684799", "before 2000-01-01")]
    [InlineData("-5", "before 2000-01-01")]
    [InlineData("\"1999-12-31T23:59:59Z\"", "before 2000-01-01")]
    [InlineData("1764324000", "in the future")]
    [InlineData("1e300", "in the future")]
    [InlineData("\"2025-11-28T10:00:00Z\"", "in the future")]
    [InlineData("\"yesterday\"", "ISO-8601")]
    [InlineData("\"May 5 2026 10:00\"", "ISO-8601")]
    [InlineData("true", "must be a number")]
    [InlineData("null", "must be a number")]
    public void Parse_BadMessageTimestamp_Rejects(string timestamp, string expected)
    {
        Assert.Contains(expected, Reject($$"""{"ts":{{timestamp}},"t":1}"""));
    }

    [Fact]
    public void Parse_TimestampJustUnderOneDayAhead_Accepts()
    {
        var nearlyADay = ReceivedAt.AddDays(1).AddSeconds(-1).ToUnixTimeSeconds();

        Assert.Single(Accept($$"""{"values":[{"name":"t","value":1,"timestamp":{{nearlyADay}}}]}"""));
    }

    [Fact]
    public void Parse_BadPerValueTimestamp_RejectsNamingTheValue()
    {
        var reason = Reject("""{"values":[{"name":"a","value":1},{"name":"t","value":1,"timestamp":"soon"}]}""");

        Assert.Contains("values[1]", reason);
    }

    [Fact]
    public void Parse_BothTimestampAndTs_Rejects()
    {
        Assert.Contains("both", Reject("""{"ts":1764151200,"timestamp":1764151200,"t":1}"""));
    }

    [Theory]
    [InlineData("{\"t\":1")]
    [InlineData("{\"t\":NaN}")]
    [InlineData("{\"t\":Infinity}")]
    [InlineData("{\"t\":1} {\"u\":2}")]
    [InlineData("")]
    [InlineData("{'t':1}")]
    public void Parse_InvalidJson_Rejects(string json)
    {
        Assert.StartsWith("invalid JSON", Reject(json));
    }

    [Fact]
    public void Parse_NotUtf8_Rejects()
    {
        byte[] payload = [.. "{\"t\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        var result = TelemetryParser.Parse(payload, Device, ReceivedAt);

        Assert.Equal("payload is not valid UTF-8", result.Rejection);
    }

    [Fact]
    public void Parse_Utf8WithBom_Accepts()
    {
        byte[] payload = [0xEF, 0xBB, 0xBF, .. "{\"t\":1}"u8];

        Assert.True(TelemetryParser.Parse(payload, Device, ReceivedAt).IsAccepted);
    }

    [Fact]
    public void Parse_LoneSurrogateEscape_Rejects()
    {
        Assert.False(Parse("""{"t":"\ud800"}""").IsAccepted);
    }

    [Theory]
    [InlineData("[1,2]", "an array")]
    [InlineData("42", "a number")]
    [InlineData("\"x\"", "a string")]
    [InlineData("null", "null")]
    public void Parse_RootNotAnObject_Rejects(string json, string described)
    {
        Assert.Contains($"not {described}", Reject(json));
    }

    [Fact]
    public void Parse_NumberTooLargeForDouble_Rejects()
    {
        Assert.Contains("not a finite number", Reject("""{"t":1e400}"""));
    }

    [Fact]
    public void Parse_EmptyMetricName_Rejects()
    {
        Assert.Contains("empty", Reject("""{"values":[{"name":"","value":1}]}"""));
    }

    [Fact]
    public void Parse_MetricNameOf128Chars_AcceptsButNot129()
    {
        Assert.Single(Accept($$"""{"{{new string('m', 128)}}":1}"""));
        Assert.Contains("longer than 128", Reject($$"""{"{{new string('m', 129)}}":1}"""));
    }

    [Fact]
    public void Parse_FlattenedNameTooLong_Rejects()
    {
        Assert.Contains("longer than 128", Reject($$$"""{"{{{new string('a', 100)}}}":{"{{{new string('b', 30)}}}":1}}"""));
    }

    [Theory]
    [InlineData("te\\u0000mp")]
    [InlineData("te\\nmp")]
    [InlineData("te\\u007Fmp")]
    public void Parse_MetricNameWithControlCharacter_Rejects(string name)
    {
        Assert.Contains("control character", Reject($$"""{"values":[{"name":"{{name}}","value":1}]}"""));
    }

    [Fact]
    public void Parse_StringValueOf1024Chars_AcceptsButNot1025()
    {
        Assert.Single(Accept($$"""{"s":"{{new string('x', 1024)}}"}"""));
        Assert.Contains("longer than 1024", Reject($$"""{"s":"{{new string('x', 1025)}}"}"""));
    }

    [Fact]
    public void Parse_StringValueWithNul_Rejects()
    {
        Assert.Contains("NUL", Reject("""{"s":"a\u0000b"}"""));
    }

    [Fact]
    public void Parse_1000Values_AcceptsButNot1001()
    {
        static string Compact(int count) =>
            "{" + string.Join(",", Enumerable.Range(0, count).Select(i => $"\"m{i}\":{i}")) + "}";

        Assert.Equal(1000, Accept(Compact(1000)).Count);
        Assert.Contains("more than 1000", Reject(Compact(1001)));
    }

    [Fact]
    public void Parse_NestingOf8Levels_AcceptsButNot9()
    {
        // The root object is level 1.
        Assert.Equal("a.b.c.d.e.f.g.h", Assert.Single(Accept("""{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":1}}}}}}}}""")).Metric);
        Assert.Contains("depth", Reject("""{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":1}}}}}}}}}"""));
    }

    [Fact]
    public void Parse_DuplicateMetricAndTimestamp_KeepsTheLast()
    {
        var points = Accept("""
            {"values":[{"name":"t","value":1,"ts":1764151200},{"name":"u","value":5},{"name":"t","value":2,"ts":1764151200}]}
            """);

        Assert.Equal(2, points.Count);
        Assert.Equal(TelemetryValue.FromNumber(2), points.Single(p => p.Metric == "t").Value);
    }

    [Fact]
    public void Parse_SameMetricAtDifferentTimes_KeepsBoth()
    {
        var points = Accept("""{"values":[{"name":"t","value":1,"ts":1764151200},{"name":"t","value":2,"ts":1764151201}]}""");

        Assert.Equal(2, points.Count);
    }

    [Fact]
    public void Parse_MultiSegmentSequence_SameAsContiguous()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"ts":1764151200,"temperature":21.5,"door":"open"}""");
        var first = new Segment(bytes.AsMemory(0, 10));
        var last = first.Append(bytes.AsMemory(10));
        var sequence = new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);

        var result = TelemetryParser.Parse(sequence, Device, ReceivedAt);

        Assert.Equal(TelemetryParser.Parse(bytes, Device, ReceivedAt).Points, result.Points);
        Assert.Equal(2, result.Points.Count);
    }

    [Fact]
    public void Parse_EmptyPayload_RejectsSayingItIsEmpty()
    {
        Assert.Equal("invalid JSON: the payload is empty", TelemetryParser.Parse([], Device, ReceivedAt).Rejection);
    }

    [Theory]
    [InlineData("""{"values":[{"name":"t","value":1e400}]}""")]
    [InlineData("""{"t":-1e400}""")]
    public void Parse_ValueOutsideDoubleRange_RejectsAsNotFinite(string json)
    {
        Assert.Contains("is not a finite number", Reject(json));
    }

    [Theory]
    [InlineData("""{"t":"NaN"}""")]
    [InlineData("""{"t":"Infinity"}""")]
    public void Parse_NaNAsAString_KeepsItAsText(string json)
    {
        Assert.Equal(TelemetryValueKind.Text, Assert.Single(Accept(json)).Value.Kind);
    }

    [Theory]
    [InlineData('{', """{"a":""", "}")]
    [InlineData('[', "[", "]")]
    public void Parse_ThousandLevelsOfNesting_RejectsNamingTheDepth(char kind, string open, string close)
    {
        var json = string.Concat(Enumerable.Repeat(open, 1000)) + "1" + string.Concat(Enumerable.Repeat(close, 1000));

        var reason = Reject(kind == '{' ? json : "{\"t\":" + json + "}");

        Assert.Contains("depth", reason);
    }

    [Fact]
    public void Parse_HugeArrayValue_RejectsAsAnArray()
    {
        var json = "{\"t\":[" + string.Join(',', Enumerable.Repeat("1", 100_000)) + "]}";

        Assert.Contains("is an array", Reject(json));
    }

    [Fact]
    public void Parse_MetricNameWithSql_IsAnOrdinaryName()
    {
        const string name = "x'); DROP TABLE telemetry;--";

        var point = Assert.Single(Accept($$"""{"{{name}}":1}"""));

        Assert.Equal(name, point.Metric);
    }

    [Theory]
    [InlineData("""{"values":[{"name":"t","value":1}],"firmware":"1.2"}""", "unexpected property 'firmware'")]
    [InlineData("""{"values":[{"name":"t","value":1,"unit":"C"}]}""", "values[0] has an unexpected property 'unit'")]
    public void Parse_UnknownFieldInSeedShape_RejectsNamingIt(string json, string expected)
    {
        Assert.Contains(expected, Reject(json));
    }

    [Fact]
    public void Parse_UnknownFieldInCompactShape_IsAMetric()
    {
        var points = Accept("""{"t":1,"firmware":"1.2"}""");

        Assert.Equal(["t", "firmware"], points.Select(p => p.Metric));
    }

    [Theory]
    [InlineData("""{"deviceId":"dev-2","t":1}""")]
    [InlineData("""{"deviceId":"DEV-1","values":[{"name":"t","value":1}]}""")]
    public void Parse_DeviceIdOfAnotherDevice_RejectsNamingBoth(string json)
    {
        var reason = Reject(json);

        Assert.Contains("does not match the topic's device 'dev-1'", reason);
    }

    [Fact]
    public void Parse_DeviceIdOfThisDevice_Accepts()
    {
        Assert.Single(Accept("""{"deviceId":"dev-1","t":1}"""));
    }

    [Theory]
    [InlineData(-731, "more than 730 days in the past")]
    [InlineData(-729, null)]
    [InlineData(0.9, null)]
    [InlineData(1.1, "more than a day in the future")]
    public void Parse_DefaultWindow_TwoYearsBackOneDayAhead(double days, string? expected)
    {
        var at = ReceivedAt.AddDays(days).ToUnixTimeSeconds();

        var result = Parse($$"""{"ts":{{at}},"t":1}""");

        Assert.Equal(expected, result.Rejection is null ? null : result.Rejection[(result.Rejection.IndexOf("is ", StringComparison.Ordinal) + 3)..]);
    }

    [Theory]
    [InlineData(-31, "the timestamp of the message is more than 30 days in the past")]
    [InlineData(-29, null)]
    [InlineData(0.5 / 24, "the timestamp of the message is more than 10 minutes in the future")]
    [InlineData(9.0 / 1440, null)]
    public void Parse_ConfiguredWindow_RejectsOutsideIt(double days, string? expected)
    {
        var window = new TelemetryWindow(TimeSpan.FromDays(30), TimeSpan.FromMinutes(10));
        var at = ReceivedAt.AddDays(days).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

        var result = TelemetryParser.Parse(Encoding.UTF8.GetBytes($$"""{"ts":"{{at}}","t":1}"""), Device, ReceivedAt, window);

        Assert.Equal(expected, result.Rejection);
    }

    [Fact]
    public void Parse_ZeroMaxAge_AcceptsAnythingAfter2000ButNotBefore()
    {
        var window = new TelemetryWindow(TimeSpan.Zero, TimeSpan.FromDays(1));

        Assert.True(TelemetryParser.Parse("""{"ts":"2000-01-02T00:00:00Z","t":1}"""u8, Device, ReceivedAt, window).IsAccepted);
        Assert.Contains("before 2000-01-01", TelemetryParser.Parse("""{"ts":"1999-12-31T00:00:00Z","t":1}"""u8, Device, ReceivedAt, window).Rejection);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("1e300")]
    [InlineData("-1e300")]
    [InlineData("\"0001-01-01T00:00:00Z\"")]
    [InlineData("\"9999-12-31T23:59:59Z\"")]
    public void Parse_AbsurdTimestamp_RejectsWithoutThrowing(string timestamp)
    {
        Assert.Contains("the timestamp of the message", Reject($$"""{"ts":{{timestamp}},"t":1}"""));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
