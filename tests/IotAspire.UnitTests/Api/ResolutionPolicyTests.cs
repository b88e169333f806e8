using IotAspire.Api.Queries;
using IotAspire.Api.Apis;
using IotAspire.Api.Model;

namespace IotAspire.UnitTests.Api;

public class ResolutionPolicyTests
{
    private static readonly DateTime Midnight = new(2026, 11, 26, 0, 0, 0, DateTimeKind.Utc);

    private static TimeRange Span(TimeSpan length, DateTime? from = null) => new(from ?? Midnight, (from ?? Midnight) + length);

    [Theory]
    [InlineData("1m", TelemetryResolution.OneMinute)]
    [InlineData("5m", TelemetryResolution.FiveMinutes)]
    [InlineData("15m", TelemetryResolution.FifteenMinutes)]
    [InlineData("1h", TelemetryResolution.OneHour)]
    [InlineData("6h", TelemetryResolution.SixHours)]
    [InlineData("1d", TelemetryResolution.OneDay)]
    public void TryParseInterval_AllowedName_ReturnsItsResolution(string text, TelemetryResolution expected)
    {
        Assert.True(TelemetryResolutions.TryParseInterval(text, out var interval));

        Assert.Equal(expected, interval);
        Assert.Equal(text, TelemetryResolutions.Name(interval));
    }

    [Fact]
    public void TryParseInterval_Raw_AsksForRawPoints()
    {
        Assert.True(TelemetryResolutions.TryParseInterval("raw", out var interval));

        Assert.Equal(TelemetryResolution.Raw, interval);
    }

    [Theory]
    [InlineData("RAW")]
    [InlineData("1H")]
    [InlineData("2m")]
    [InlineData("60s")]
    [InlineData(" 1m")]
    [InlineData("")]
    [InlineData(null)]
    public void TryParseInterval_AnythingElse_Fails(string? text)
    {
        Assert.False(TelemetryResolutions.TryParseInterval(text, out _));
    }

    [Fact]
    public void AllowedIntervals_ListsRawThenEveryIntervalFinestFirst()
    {
        Assert.Equal("raw, 1m, 5m, 15m, 1h, 6h, 1d", TelemetryResolutions.AllowedIntervals);
    }

    [Theory]
    [InlineData("2026-11-26T10:07:31Z", "5m", "2026-11-26T10:05:00Z")]
    [InlineData("2026-11-26T10:05:00Z", "5m", "2026-11-26T10:05:00Z")]
    [InlineData("2026-11-26T10:07:31Z", "6h", "2026-11-26T06:00:00Z")]
    [InlineData("2026-11-26T23:59:59Z", "1d", "2026-11-26T00:00:00Z")]
    [InlineData("1969-12-31T23:59:30Z", "1m", "1969-12-31T23:59:00Z")]
    public void BucketStart_AlignsToTheEpochInUtc(string time, string interval, string expected)
    {
        TelemetryResolutions.TryParseInterval(interval, out var resolution);

        var start = ResolutionPolicy.BucketStart(DateTime.Parse(time, null, System.Globalization.DateTimeStyles.AdjustToUniversal), TelemetryResolutions.Width(resolution));

        Assert.Equal(DateTime.Parse(expected, null, System.Globalization.DateTimeStyles.AdjustToUniversal), start);
        Assert.Equal(DateTimeKind.Utc, start.Kind);
    }

    [Fact]
    public void BucketCount_AlignedRange_IsRangeOverWidth()
    {
        Assert.Equal(129_600, ResolutionPolicy.BucketCount(Span(TimeSpan.FromDays(90)), TimeSpan.FromMinutes(1)));
        Assert.Equal(24, ResolutionPolicy.BucketCount(Span(TimeSpan.FromDays(1)), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void BucketCount_UnalignedRange_CountsThePartlyCoveredBucketsAtBothEnds()
    {
        var range = Span(TimeSpan.FromHours(2), Midnight.AddMinutes(30));

        Assert.Equal(3, ResolutionPolicy.BucketCount(range, TimeSpan.FromHours(1)));
    }

    [Fact]
    public void BucketCount_RangeInsideOneBucket_IsOne()
    {
        Assert.Equal(1, ResolutionPolicy.BucketCount(Span(TimeSpan.FromSeconds(1), Midnight.AddHours(5)), TimeSpan.FromDays(1)));
    }

    [Fact]
    public void TryCheckBucketLimit_1mOver90Days_FailsWithTheCountAndTheLimit()
    {
        Assert.False(ResolutionPolicy.TryCheckBucketLimit(Span(TimeSpan.FromDays(90)), TelemetryResolution.OneMinute, out var error));

        Assert.Equal("1m over 90 days is 129,600 buckets; the limit is 10,000: use a coarser interval or a shorter range.", error);
    }

    [Fact]
    public void TryCheckBucketLimit_ExactlyTheLimit_Passes()
    {
        Assert.True(ResolutionPolicy.TryCheckBucketLimit(Span(TimeSpan.FromMinutes(TelemetryRules.MaxBuckets)), TelemetryResolution.OneMinute, out _));
        Assert.False(ResolutionPolicy.TryCheckBucketLimit(Span(TimeSpan.FromMinutes(TelemetryRules.MaxBuckets + 1)), TelemetryResolution.OneMinute, out _));
    }

    [Fact]
    public void TryCheckBucketLimit_1dOverThreeYears_Passes()
    {
        Assert.True(ResolutionPolicy.TryCheckBucketLimit(Span(TelemetryRules.MaxRange), TelemetryResolution.OneDay, out _));
    }

    [Theory]
    [InlineData(60, TelemetryResolution.OneMinute)]
    [InlineData(24 * 60, TelemetryResolution.OneMinute)]
    [InlineData(2000, TelemetryResolution.OneMinute)]
    [InlineData(2001, TelemetryResolution.FiveMinutes)]
    [InlineData(2 * 24 * 60, TelemetryResolution.FiveMinutes)]
    [InlineData(7 * 24 * 60, TelemetryResolution.FifteenMinutes)]
    [InlineData(30 * 24 * 60, TelemetryResolution.OneHour)]
    [InlineData(365 * 24 * 60, TelemetryResolution.SixHours)]
    [InlineData(1096 * 24 * 60, TelemetryResolution.OneDay)]
    public void FinestIntervalFor_Range_IsTheFinestWithin2000Buckets(int minutes, TelemetryResolution expected)
    {
        Assert.Equal(expected, ResolutionPolicy.FinestIntervalFor(Span(TimeSpan.FromMinutes(minutes))));
    }

    [Fact]
    public void ChooseAutomatic_AtMost2000Points_AnswersRaw()
    {
        Assert.Equal(TelemetryResolution.Raw, ResolutionPolicy.ChooseAutomatic(Span(TimeSpan.FromDays(365)), TelemetryRules.AutomaticMaxPoints));
        Assert.Equal(TelemetryResolution.Raw, ResolutionPolicy.ChooseAutomatic(Span(TimeSpan.FromDays(1)), 0));
    }

    [Fact]
    public void ChooseAutomatic_MoreThan2000Points_AnswersTheFinestFittingInterval()
    {
        // 30 days of a 1 Hz device: 2,592,000 points -> 720 hourly buckets.
        Assert.Equal(TelemetryResolution.OneHour, ResolutionPolicy.ChooseAutomatic(Span(TimeSpan.FromDays(30)), 2_592_000));
        Assert.Equal(TelemetryResolution.OneMinute, ResolutionPolicy.ChooseAutomatic(Span(TimeSpan.FromDays(1)), TelemetryRules.AutomaticMaxPoints + 1));
    }

    [Theory]
    [InlineData(90 * 24 * 60, "90 days")]
    [InlineData(24 * 60, "1 day")]
    [InlineData(36 * 60, "1.5 days")]
    [InlineData(120, "2 hours")]
    [InlineData(1, "1 minute")]
    [InlineData(1096 * 24 * 60, "1,096 days")]
    public void Describe_Span_ReadsLikeEnglish(int minutes, string expected)
    {
        Assert.Equal(expected, ResolutionPolicy.Describe(TimeSpan.FromMinutes(minutes)));
    }
}
