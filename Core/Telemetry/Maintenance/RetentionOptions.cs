using System.ComponentModel.DataAnnotations;

namespace IotAspire.Core.Telemetry.Maintenance;

/// <summary>Partition maintenance and retention of telemetry, section <c>Retention</c>.</summary>
public sealed class RetentionOptions : IValidatableObject
{
    public const string Section = "Retention";

    /// <summary>How often the maintenance runs (it also runs once at start).</summary>
    [Range(1, 24 * 60)]
    public int IntervalMinutes { get; set; } = 60;

    /// <summary>Partitions are created ahead for today and this many days after it.</summary>
    [Range(0, 60)]
    public int PrecreateDays { get; set; } = 3;

    /// <summary>
    /// On by default: with <see cref="RequireArchive"/> only days whose every row is in a verified archive part go, so
    /// without the Archiver nothing raw is dropped. Off keeps raw data for ever.
    /// </summary>
    public bool RawEnabled { get; set; } = true;

    /// <summary>Raw partitions are dropped once their whole day ended more than this many days ago.</summary>
    [Range(1, 36_500)]
    public int RawDays { get; set; } = 30;

    /// <summary>
    /// Drop a raw partition only when the Archiver's watermark has passed its end and its day's manifest covers every row
    /// it holds (counted under the lock that the drop takes). Off: raw data past <see cref="RawDays"/> goes, archived or not.
    /// </summary>
    public bool RequireArchive { get; set; } = true;

    /// <summary>Rollup partitions (1 minute and 1 hour) are dropped once their whole month ended more than this many days ago.</summary>
    [Range(1, 36_500)]
    public int RollupDays { get; set; } = 730;

    /// <summary>How long one DROP may wait for readers and writers of the table before it gives up until the next run.</summary>
    [Range(1, 600)]
    public int LockTimeoutSeconds { get; set; } = 5;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RollupDays < RawDays)
        {
            yield return new ValidationResult(
                $"Retention:RollupDays ({RollupDays}) must not be shorter than Retention:RawDays ({RawDays}): rollups are what remains of old raw data.",
                [nameof(RollupDays), nameof(RawDays)]);
        }
    }
}
