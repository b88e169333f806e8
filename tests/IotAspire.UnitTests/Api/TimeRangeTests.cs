using IotAspire.Api.Queries;
using IotAspire.Api.Apis;

namespace IotAspire.UnitTests.Api;

public class TimeRangeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void TryCreate_NoBounds_IsTheLast24Hours()
    {
        Assert.True(TimeRange.TryCreate(null, null, Now, out var range, out _));

        Assert.Equal(Now.UtcDateTime.AddHours(-24), range.From);
        Assert.Equal(Now.UtcDateTime, range.To);
    }

    [Fact]
    public void TryCreate_OnlyFrom_EndsNow()
    {
        var from = Now.AddDays(-7);

        Assert.True(TimeRange.TryCreate(from, null, Now, out var range, out _));

        Assert.Equal(from.UtcDateTime, range.From);
        Assert.Equal(Now.UtcDateTime, range.To);
    }

    [Fact]
    public void TryCreate_OnlyTo_Starts24HoursBefore()
    {
        var to = Now.AddDays(-3);

        Assert.True(TimeRange.TryCreate(null, to, Now, out var range, out _));

        Assert.Equal(to.UtcDateTime.AddHours(-24), range.From);
        Assert.Equal(to.UtcDateTime, range.To);
    }

    [Fact]
    public void TryCreate_BoundsWithOffsets_AreConvertedToUtc()
    {
        var from = new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.FromHours(2));

        Assert.True(TimeRange.TryCreate(from, from.AddHours(1), Now, out var range, out _));

        Assert.Equal(new DateTime(2026, 11, 26, 8, 0, 0, DateTimeKind.Utc), range.From);
        Assert.Equal(DateTimeKind.Utc, range.From.Kind);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void TryCreate_ToNotAfterFrom_FailsWithReason(int toMinusFromTicks)
    {
        Assert.False(TimeRange.TryCreate(Now, Now.AddTicks(toMinusFromTicks), Now, out _, out var error));

        Assert.Contains("must be later than 'from'", error);
    }

    [Fact]
    public void TryCreate_ExactlyThreeYears_Passes()
    {
        Assert.True(TimeRange.TryCreate(Now - IotAspire.Api.Model.TelemetryRules.MaxRange, Now, Now, out _, out _));
    }

    [Fact]
    public void TryCreate_LongerThanThreeYears_FailsWithReason()
    {
        Assert.False(TimeRange.TryCreate(Now - IotAspire.Api.Model.TelemetryRules.MaxRange - TimeSpan.FromSeconds(1), Now, Now, out _, out var error));

        Assert.Contains("the longest range is 1,096 days (3 years)", error);
    }

    [Theory]
    [InlineData(null, "0001-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")]
    [InlineData("1969-12-31T00:00:00Z", "1970-01-01T12:00:00Z")]
    [InlineData("9999-12-31T00:00:00Z", null)]
    [InlineData(null, "9999-12-31T23:59:59.9999999Z")]
    public void TryCreate_TimesOutsideTheSupportedRange_FailWithoutOverflow(string? from, string? to)
    {
        var valid = TimeRange.TryCreate(Parse(from), Parse(to), Now, out _, out var error);

        Assert.False(valid);
        Assert.Contains("outside the supported range", error);
    }

    private static DateTimeOffset? Parse(string? text) =>
        text is null ? null : DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
