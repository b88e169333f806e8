using System.ComponentModel.DataAnnotations;
using IotAspire.Core.Telemetry.Maintenance;

namespace IotAspire.UnitTests.Worker;

public class RetentionOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValidAndDropOnlyArchivedRawData()
    {
        var options = new RetentionOptions();

        Assert.Empty(Validate(options));
        Assert.True(options.RawEnabled);
        Assert.True(options.RequireArchive);
        Assert.Equal((30, 730, 3, 60), (options.RawDays, options.RollupDays, options.PrecreateDays, options.IntervalMinutes));
    }

    [Fact]
    public void Validate_RollupsShorterThanRaw_IsRejected()
    {
        var errors = Validate(new RetentionOptions { RawDays = 90, RollupDays = 30 });

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(RetentionOptions.RollupDays)));
    }

    [Theory]
    [InlineData(0, 730, 60)]
    [InlineData(30, 0, 60)]
    [InlineData(30, 730, 0)]
    public void Validate_NonPositivePeriods_AreRejected(int rawDays, int rollupDays, int intervalMinutes)
    {
        Assert.NotEmpty(Validate(new RetentionOptions { RawDays = rawDays, RollupDays = rollupDays, IntervalMinutes = intervalMinutes }));
    }

    private static List<ValidationResult> Validate(RetentionOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
