using System.ComponentModel.DataAnnotations;

namespace IotAspire.Archiver;

/// <summary>The Archiver's settings, section <c>Archive</c>. Defaults live here only.</summary>
public sealed class ArchiveOptions : IValidatableObject
{
    public const string Section = "Archive";

    /// <summary>Archive root for <c>Storage=file</c>; the AppHost passes the run's data folder + <c>/archive</c>.</summary>
    public string Root { get; set; } = "archive";

    /// <summary><c>file</c> (local file system, default) or <c>s3</c> (an S3-compatible bucket, section <c>Archive:S3</c>).</summary>
    [RegularExpression("^(file|s3)$")]
    public string Storage { get; set; } = "file";

    /// <summary>A UTC day is exported once it ended this long ago: points that arrive a little late still make the first part.</summary>
    [Range(0, 7 * 24 * 60)]
    public int GraceMinutes { get; set; } = 60;

    /// <summary>How often the Archiver looks for closed days and late points (it also looks once at start).</summary>
    [Range(1, 24 * 60 * 60)]
    public int IntervalSeconds { get; set; } = 300;

    /// <summary>Rows per Parquet row group: large groups compress well and let readers skip by statistics.</summary>
    [Range(1_000, 10_000_000)]
    public int RowGroupRows { get; set; } = 1_000_000;

    /// <summary>A part is closed and the next one started once it holds about this many bytes.</summary>
    [Range(1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long MaxPartBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>
    /// zstd level, as Parquet.Net takes it (a <see cref="System.IO.Compression.CompressionLevel"/>). Set here because
    /// Parquet.Net's own default is Snappy at <c>SmallestSize</c>, which for zstd is its slowest level.
    /// </summary>
    public System.IO.Compression.CompressionLevel ZstdLevel { get; set; } = System.IO.Compression.CompressionLevel.Optimal;

    /// <summary>The longest wait between retries after a failure (the backoff doubles from 1 s up to this).</summary>
    [Range(1, 3600)]
    public int MaxRetryDelaySeconds { get; set; } = 300;

    /// <summary>Exit the process once every closed day is exported (one-shot runs: backfill jobs, tests, the bench).</summary>
    public bool ExitWhenCaughtUp { get; set; }

    public S3ArchiveOptions S3 { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Storage == "file" && string.IsNullOrWhiteSpace(Root))
        {
            yield return new ValidationResult("Archive:Root must name a folder when Archive:Storage is file.", [nameof(Root)]);
        }

        if (Storage == "s3" && (string.IsNullOrWhiteSpace(S3.Bucket) || string.IsNullOrWhiteSpace(S3.ServiceUrl)))
        {
            yield return new ValidationResult("Archive:S3:ServiceUrl and Archive:S3:Bucket are needed when Archive:Storage is s3.", [nameof(S3)]);
        }
    }
}

/// <summary>An S3-compatible bucket, section <c>Archive:S3</c>.</summary>
public sealed class S3ArchiveOptions
{
    public string ServiceUrl { get; set; } = "";
    public string Bucket { get; set; } = "";

    /// <summary>Key prefix inside the bucket (no leading slash), e.g. <c>iot/</c>.</summary>
    public string Prefix { get; set; } = "";

    public string AccessKey { get; set; } = "";
    public string SecretKey { get; set; } = "";
    public string Region { get; set; } = "us-east-1";

    /// <summary>Path-style addressing (bucket in the path): what most self-hosted S3 servers expect.</summary>
    public bool ForcePathStyle { get; set; } = true;

    /// <summary>Send <c>If-None-Match: *</c> so that a put never replaces an object; off for servers that reject the header.</summary>
    public bool ConditionalPuts { get; set; } = true;

    /// <summary>Local folder for parts being written and verified before upload; default: a folder in the temp directory.</summary>
    public string StagingFolder { get; set; } = "";
}
