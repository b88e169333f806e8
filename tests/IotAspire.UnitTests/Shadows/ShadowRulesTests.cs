using System.Text;
using System.Text.Json.Nodes;
using IotAspire.Core.Shadows;

namespace IotAspire.UnitTests.Shadows;

public sealed class ShadowRulesTests
{
    private static readonly DateTimeOffset T1 = DateTimeOffset.FromUnixTimeSeconds(1_764_151_200);
    private static readonly DateTimeOffset T2 = T1.AddSeconds(10);

    private static ShadowUpdate Parse(string json, ShadowWriter writer = ShadowWriter.Device)
    {
        var result = ShadowRules.ParseUpdate(Encoding.UTF8.GetBytes(json), writer);
        Assert.True(result.Error is null, result.Error?.Message);
        return result.Update!;
    }

    private static ShadowState Apply(ShadowState? current, string json, DateTimeOffset now, ShadowWriter writer = ShadowWriter.Device)
    {
        var result = ShadowRules.Apply(current, Parse(json, writer), now);
        Assert.True(result.Error is null, result.Error?.Message);
        return result.State!;
    }

    /// <summary>@t1@ and @t2@ stand for the two update times in unix seconds.</summary>
    private static string Times(string json) => json
        .Replace("@t1@", T1.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
        .Replace("@t2@", T2.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), $"expected {expected}, got {actual?.ToJsonString()}");

    [Fact]
    public void Apply_PartialUpdate_MergesFieldsAndIncrementsVersion()
    {
        var first = Apply(null, """{"state":{"reported":{"color":"red","led":{"on":true,"level":3}}}}""", T1);
        var second = Apply(first, """{"state":{"reported":{"led":{"level":5}}}}""", T2);

        AssertJson("""{"color":"red","led":{"on":true,"level":5}}""", second.Reported);
        Assert.Equal(2, second.Version);
        Assert.Equal(T2.ToUnixTimeSeconds(), second.Timestamp);
    }

    [Fact]
    public void Apply_NullField_DeletesItAndItsMetadata()
    {
        var first = Apply(null, """{"state":{"desired":{"color":"red","mode":"eco"}}}""", T1);
        var second = Apply(first, """{"state":{"desired":{"color":null}}}""", T2);

        AssertJson("""{"mode":"eco"}""", second.Desired);
        AssertJson(Times("""{"mode":{"timestamp":@t1@}}"""), second.DesiredMetadata);
    }

    [Fact]
    public void Apply_NullSection_DeletesTheWholeSection()
    {
        var first = Apply(null, """{"state":{"desired":{"color":"red"},"reported":{"color":"blue"}}}""", T1);
        var second = Apply(first, """{"state":{"desired":null}}""", T2);

        Assert.Null(second.Desired);
        Assert.Null(second.DesiredMetadata);
        AssertJson("""{"color":"blue"}""", second.Reported);
    }

    [Fact]
    public void Apply_Array_IsReplacedWholeWithMetadataPerElement()
    {
        var first = Apply(null, """{"state":{"reported":{"colors":["red","green","blue"]}}}""", T1);
        var second = Apply(first, """{"state":{"reported":{"colors":["white"]}}}""", T2);

        AssertJson("""{"colors":["white"]}""", second.Reported);
        AssertJson(Times("""{"colors":[{"timestamp":@t2@}]}"""), second.ReportedMetadata);
    }

    [Fact]
    public void Apply_Metadata_KeepsTheTimeOfEachFieldsLastUpdate()
    {
        var first = Apply(null, """{"state":{"reported":{"a":1,"b":{"c":2}}}}""", T1);
        var second = Apply(first, """{"state":{"reported":{"b":{"d":3}}}}""", T2);

        AssertJson(Times("""{"a":{"timestamp":@t1@},"b":{"c":{"timestamp":@t1@},"d":{"timestamp":@t2@}}}"""), second.ReportedMetadata);
    }

    [Fact]
    public void Delta_DesiredDiffersFromReported_HoldsOnlyTheDifferences()
    {
        var state = Apply(null, """{"state":{"desired":{"color":"red","led":{"on":true,"level":5},"list":[1,2]},"reported":{"color":"red","led":{"on":true,"level":3},"list":[1]}}}""", T1);

        AssertJson("""{"led":{"level":5},"list":[1,2]}""", state.Delta());
    }

    [Fact]
    public void Delta_ReportedCatchesUp_IsGoneAndClearedIsSignalled()
    {
        var desired = Apply(null, """{"state":{"desired":{"color":"green"}}}""", T1);
        var result = ShadowRules.Apply(desired, Parse("""{"state":{"reported":{"color":"green"}}}"""), T2);

        Assert.Null(result.State!.Delta());
        Assert.True(result.DeltaCleared);
        Assert.Null(result.DeltaMessage);
    }

    [Fact]
    public void Apply_DesiredChange_ProducesDeltaAcceptedAndDocuments()
    {
        var reported = Apply(null, """{"state":{"reported":{"color":"red"}}}""", T1);

        var result = ShadowRules.Apply(reported, Parse("""{"state":{"desired":{"color":"green"}},"clientToken":"tok-1"}""", ShadowWriter.App), T2);

        AssertJson(Times("""{"version":2,"timestamp":@t2@,"state":{"color":"green"},"metadata":{"color":{"timestamp":@t2@}},"clientToken":"tok-1"}"""), result.DeltaMessage);
        AssertJson(Times("""{"state":{"desired":{"color":"green"}},"metadata":{"desired":{"color":{"timestamp":@t2@}}},"version":2,"timestamp":@t2@,"clientToken":"tok-1"}"""), result.Accepted);
        Assert.Equal(1, result.Documents!["previous"]!["version"]!.GetValue<long>());
        Assert.Equal(2, result.Documents["current"]!["version"]!.GetValue<long>());
        AssertJson("""{"color":"red"}""", result.Documents["current"]!["state"]!["reported"]);
    }

    [Fact]
    public void Apply_StaleVersion_Is409()
    {
        var state = Apply(null, """{"state":{"reported":{"a":1}}}""", T1);

        var result = ShadowRules.Apply(state, Parse("""{"state":{"reported":{"a":2}},"version":7,"clientToken":"c"}"""), T2);

        Assert.Equal(409, result.Error!.Code);
        Assert.Equal("c", result.Error.ClientToken);
    }

    [Fact]
    public void Apply_MatchingVersion_IsAccepted()
    {
        var state = Apply(null, """{"state":{"reported":{"a":1}}}""", T1);

        Assert.Equal(2, Apply(state, """{"state":{"reported":{"a":2}},"version":1}""", T2).Version);
    }

    [Fact]
    public void Apply_StateOver8KB_Is413()
    {
        var big = new string('x', 9 * 1024);
        var result = ShadowRules.Apply(null, Parse("""{"state":{"desired":{"blob":"BIG"}}}""".Replace("BIG", big, StringComparison.Ordinal), ShadowWriter.App), T1);

        Assert.Equal(413, result.Error!.Code);
    }

    [Theory]
    [InlineData("""{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}}}}""", "nesting")]
    [InlineData("""{"state":[]}""", "object")]
    [InlineData("""{"state":"on"}""", "object")]
    [InlineData("""{"nostate":{}}""", "state")]
    [InlineData("""{"state":{}}""", "desired or reported")]
    [InlineData("""{"state":{"desired":5}}""", "object")]
    [InlineData("""{"state":{"delta":{"a":1}}}""", "invalid node")]
    [InlineData("""{"state":{"desired":{"a":1}},"version":-1}""", "version")]
    [InlineData("""{"state":{"desired":{"a":1}},"version":"3"}""", "version")]
    [InlineData("""not json""", "Invalid JSON")]
    [InlineData("""[1]""", "Invalid JSON")]
    [InlineData("""{"state":{"reported":{"t":1e400}}}""", "outside the range of a double")]
    [InlineData("""{"state":{"desired":{"a":{"b":[1,-1e309]}}}}""", "outside the range of a double")]
    [InlineData("""{"state":{"desired":{"a":NaN}}}""", "Invalid JSON")]
    public void ParseUpdate_Invalid_Is400WithReason(string json, string reason)
    {
        var result = ShadowRules.ParseUpdate(Encoding.UTF8.GetBytes(json), ShadowWriter.Device);

        Assert.Equal(400, result.Error!.Code);
        Assert.Contains(reason, result.Error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ParseUpdate_DepthSix_IsAccepted() =>
        Parse("""{"state":{"desired":{"a":{"b":{"c":{"d":{"e":{"f":1}}}}}}}}""");

    [Fact]
    public void ParseUpdate_AppSettingReported_Is400()
    {
        var result = ShadowRules.ParseUpdate("""{"state":{"reported":{"a":1}}}"""u8, ShadowWriter.App);

        Assert.Equal(400, result.Error!.Code);
    }

    [Fact]
    public void StorageForm_RoundTrips()
    {
        var state = Apply(null, """{"state":{"desired":{"a":[1,{"b":2}]},"reported":{"c":"d"}}}""", T1);

        var copy = ShadowState.FromStorage(JsonNode.Parse(state.ToStorage().ToJsonString())!.AsObject());

        AssertJson(state.ToDocument().ToJsonString(), copy.ToDocument());
    }
}
