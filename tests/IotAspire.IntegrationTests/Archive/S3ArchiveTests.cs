using Amazon.S3;
using Amazon.S3.Model;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>The Archiver writing to an S3-compatible server (s3rver) instead of the file system.</summary>
[Collection(StackCollection.Name)]
public sealed class S3ArchiveTests(StackFixture stack)
{
    private const string Prefix = "site-1/";

    [Fact]
    public async Task Export_ToS3CompatibleServer_EveryRowOnceUnderHiveKeysWithLateDataInLaterParts()
    {
        await using var database = await ArchiveDatabase.CreateAsync(stack);
        await using var server = await S3rverServer.StartAsync("iot-archive");
        var archiver = new ArchiverProcess(database.ConnectionString, database.Root, new Dictionary<string, string>
        {
            ["Archive:Storage"] = "s3",
            ["Archive:S3:ServiceUrl"] = server.ServiceUrl,
            ["Archive:S3:Bucket"] = server.Bucket,
            ["Archive:S3:Prefix"] = Prefix,
            ["Archive:S3:AccessKey"] = S3rverServer.AccessKey,
            ["Archive:S3:SecretKey"] = S3rverServer.SecretKey,
            ["Archive:S3:StagingFolder"] = Path.Combine(database.Root, "staging"),
        });
        var first = new DateOnly(2003, 6, 1);
        var points = KnownTelemetry.Make(first, days: 2, perSeries: 60);
        await KnownTelemetry.WriteAsync(database.DataSource, points);
        await archiver.RunToCompletionAsync();
        var late = ArchiveExportTests.NewPoints(KnownTelemetry.Make(first, days: 1, perSeries: 10, seed: 9), points);
        await KnownTelemetry.WriteAsync(database.DataSource, late);
        await archiver.RunToCompletionAsync();

        using var client = server.Client();
        var keys = await KeysAsync(client, server.Bucket);
        Assert.Equal(
            [$"{Prefix}telemetry/date=2003-06-01/part-00000.parquet", $"{Prefix}telemetry/date=2003-06-01/part-00001.parquet",
             $"{Prefix}telemetry/date=2003-06-02/part-00000.parquet"],
            keys);

        var copy = Path.Combine(database.Root, "downloaded");
        foreach (var key in keys)
        {
            using var response = await client.GetObjectAsync(server.Bucket, key);
            var file = Path.Combine(copy, key[Prefix.Length..]);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await using var target = File.Create(file);
            await response.ResponseStream.CopyToAsync(target);
        }

        ArchiveAssert.ExactlyOnce(points.Concat(late), await ArchiveFiles.ReadAllAsync(copy));
        Assert.Empty(Directory.GetFiles(Path.Combine(database.Root, "staging")));
    }

    /// <summary>
    /// What s3rver does not check, so what this test server cannot prove: a PUT with If-None-Match: * over an existing
    /// object. Real S3 answers 412 and keeps the object; s3rver (3.7.1) replaces it. The Archiver therefore also asks
    /// (HEAD) before every PUT, which suffices while one Archiver works at a time (advisory lock).
    /// </summary>
    [Fact]
    public async Task PutIfNoneMatch_ObjectExists_S3rverReplacesIt()
    {
        await using var server = await S3rverServer.StartAsync("conditional");
        using var client = server.Client();
        await client.PutObjectAsync(new PutObjectRequest { BucketName = server.Bucket, Key = "k", ContentBody = "first", IfNoneMatch = "*", UseChunkEncoding = false });

        var second = await Record.ExceptionAsync(() =>
            client.PutObjectAsync(new PutObjectRequest { BucketName = server.Bucket, Key = "k", ContentBody = "second", IfNoneMatch = "*", UseChunkEncoding = false }));

        using var read = await client.GetObjectAsync(server.Bucket, "k");
        var body = await new StreamReader(read.ResponseStream).ReadToEndAsync();
        Assert.Null(second);
        Assert.Equal("second", body);
    }

    private static async Task<List<string>> KeysAsync(AmazonS3Client client, string bucket)
    {
        var response = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        return [.. (response.S3Objects ?? []).Select(o => o.Key).Order(StringComparer.Ordinal)];
    }
}
