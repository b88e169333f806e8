using System.ComponentModel.DataAnnotations;
using IotAspire.Archiver;

namespace IotAspire.UnitTests.Archiver;

public class ArchiveOptionsTests
{
    [Fact]
    public void Validate_Defaults_AreValidWithZstdAndMillionRowGroups()
    {
        var options = new ArchiveOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(("file", 1_000_000, 60), (options.Storage, options.RowGroupRows, options.GraceMinutes));
        Assert.Equal(System.IO.Compression.CompressionLevel.Optimal, options.ZstdLevel);
    }

    [Fact]
    public void Validate_S3WithoutBucket_IsRejected()
    {
        var errors = Validate(new ArchiveOptions { Storage = "s3", S3 = new S3ArchiveOptions { ServiceUrl = "http://127.0.0.1:1" } });

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(ArchiveOptions.S3)));
    }

    [Fact]
    public void Validate_UnknownStorage_IsRejected()
    {
        Assert.Contains(Validate(new ArchiveOptions { Storage = "ftp" }), e => e.MemberNames.Contains(nameof(ArchiveOptions.Storage)));
    }

    private static List<ValidationResult> Validate(ArchiveOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
