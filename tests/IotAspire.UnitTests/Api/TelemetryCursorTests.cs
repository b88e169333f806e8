using IotAspire.Api.Queries;
using IotAspire.Api.Apis;

namespace IotAspire.UnitTests.Api;

public class TelemetryCursorTests
{
    [Fact]
    public void Encode_ThenTryParse_ReturnsTheSameMicrosecond()
    {
        // Postgres keeps microseconds: the cursor must carry them exactly, or a page would repeat or skip a point.
        var timestamp = new DateTime(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_567_0);

        var cursor = TelemetryCursor.Encode(timestamp);

        Assert.True(TelemetryCursor.TryParse(cursor, out var parsed));
        Assert.Equal(timestamp, parsed);
        Assert.Equal(DateTimeKind.Utc, parsed.Kind);
    }

    [Fact]
    public void Encode_Always_IsUrlSafe()
    {
        var cursor = TelemetryCursor.Encode(DateTime.UtcNow);

        Assert.All(cursor, c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    [Theory]
    [InlineData("2026-11-26T10:00:00.123456Z")]
    [InlineData("2026-11-26T12:00:00.123456+02:00")]
    [InlineData("2026-11-26T10:00:00.123456")] // no offset: taken as UTC
    public void TryParse_IsoTimestamp_IsReadAsUtc(string text)
    {
        Assert.True(TelemetryCursor.TryParse(text, out var parsed));

        Assert.Equal(new DateTime(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc).AddTicks(1_234_560), parsed);
        Assert.Equal(DateTimeKind.Utc, parsed.Kind);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("dDE6YWJj")] // "t1:abc"
    public void TryParse_Garbage_Fails(string? text)
    {
        Assert.False(TelemetryCursor.TryParse(text, out _));
    }
}
