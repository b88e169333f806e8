using IotAspire.Api.Apis;
using Microsoft.Extensions.Primitives;

namespace IotAspire.UnitTests.Api;

public sealed class ShadowConditionsTests
{
    [Theory]
    [InlineData("\"3\"", 3L)]
    [InlineData("W/\"3\"", 3L)]
    [InlineData(" \"12\" ", 12L)]
    public void TryParseIfMatch_OneVersion_ReturnsIt(string header, long expected)
    {
        Assert.True(ShadowConditions.TryParseIfMatch(new StringValues(header), out var version));
        Assert.Equal(expected, version);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("*")]
    public void TryParseIfMatch_AbsentOrStar_MeansNoCondition(string? header)
    {
        Assert.True(ShadowConditions.TryParseIfMatch(header is null ? StringValues.Empty : new StringValues(header), out var version));
        Assert.Null(version);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("\"\"")]
    [InlineData("\"-1\"")]
    [InlineData("\"abc\"")]
    [InlineData("\"1\", \"2\"")]
    public void TryParseIfMatch_NotOneQuotedVersion_Fails(string header) =>
        Assert.False(ShadowConditions.TryParseIfMatch(new StringValues(header), out _));

    [Theory]
    [InlineData("\"4\"", true)]
    [InlineData("W/\"4\"", true)]
    [InlineData("\"3\", \"4\"", true)]
    [InlineData("*", true)]
    [InlineData("\"3\"", false)]
    public void IfNoneMatchHits_ComparesWithTheCurrentVersion(string header, bool hits) =>
        Assert.Equal(hits, ShadowConditions.IfNoneMatchHits(new StringValues(header), 4));

    [Fact]
    public void ETag_IsTheQuotedVersion() => Assert.Equal("\"42\"", ShadowConditions.ETag(42));
}
