using IotAspire.Archiver.Export;

namespace IotAspire.UnitTests.Archiver;

public class PartMetadataTests
{
    private static readonly PartMetadata Sample = new(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), "telemetry_p20260102",
        new DateOnly(2026, 1, 2), 3, 2, false, 1_000, 1_500, 400, "0123456789abcdef", -5, 86_400_000_000);

    [Fact]
    public void TryRead_KeyValuesItWrote_GivesTheSameMetadata()
    {
        Assert.Equal(Sample, PartMetadata.TryRead(Sample.ToKeyValues()));
    }

    [Fact]
    public void ToKeyValues_Always_NamesSourcePartitionRunAndSchemaVersion()
    {
        var values = Sample.ToKeyValues();

        Assert.Equal("telemetry_p20260102", values["iotaspire.source_partition"]);
        Assert.Equal(Sample.RunId.ToString(), values["iotaspire.run_id"]);
        Assert.Equal("1", values["iotaspire.schema_version"]);
    }

    [Theory]
    [InlineData("iotaspire.checksum")]
    [InlineData("iotaspire.archive_instance")]
    public void TryRead_KeyMissing_IsNull(string key)
    {
        var values = Sample.ToKeyValues();
        values.Remove(key);

        Assert.Null(PartMetadata.TryRead(values));
    }

    [Fact]
    public void TryRead_NumberMalformed_IsNull()
    {
        var values = Sample.ToKeyValues();
        values["iotaspire.rows"] = "many";

        Assert.Null(PartMetadata.TryRead(values));
    }
}
