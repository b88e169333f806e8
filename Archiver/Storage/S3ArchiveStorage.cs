using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using IotAspire.Core.Archive;

namespace IotAspire.Archiver.Storage;

/// <summary>
/// Parts in an S3-compatible bucket. S3 has no rename: a part is written and verified in a local staging file, then
/// uploaded in one PUT, which makes it visible whole or not at all. The PUT carries <c>If-None-Match: *</c> (where the
/// server honours it, an existing object is never replaced); the Archiver also checks with a HEAD first, which is
/// enough on servers that ignore the header because only one Archiver works at a time (advisory lock).
/// </summary>
public sealed class S3ArchiveStorage : IArchiveStorage, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly S3ArchiveOptions _options;
    private readonly string _staging;

    public S3ArchiveStorage(S3ArchiveOptions options)
    {
        _options = options;
        _client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            ForcePathStyle = options.ForcePathStyle,
            AuthenticationRegion = options.Region,
            // Self-hosted servers often lack the SDK's default trailing CRC checksums (aws-chunked uploads).
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });
        _staging = string.IsNullOrWhiteSpace(options.StagingFolder)
            ? Path.Combine(Path.GetTempPath(), "iotaspire-archiver-staging", options.Bucket)
            : Path.GetFullPath(options.StagingFolder);
    }

    public string Description => $"s3 {_options.ServiceUrl} bucket {_options.Bucket}/{_options.Prefix}";

    public string StagingFileFor(string path)
    {
        Directory.CreateDirectory(_staging);
        return Path.Combine(_staging, path.Replace('/', '_') + ArchiveLayout.TemporarySuffix);
    }

    public async Task PublishAsync(string stagingFile, string path, CancellationToken cancellationToken)
    {
        if (await SizeAsync(path, cancellationToken) is not null)
        {
            throw new ArchiveObjectExistsException(path);
        }

        // One signed body, not aws-chunked: self-hosted servers (s3rver among them) store chunk signatures as data.
        var request = new PutObjectRequest { BucketName = _options.Bucket, Key = Key(path), FilePath = stagingFile, UseChunkEncoding = false };
        if (_options.ConditionalPuts)
        {
            request.IfNoneMatch = "*";
        }

        try
        {
            await _client.PutObjectAsync(request, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict)
        {
            throw new ArchiveObjectExistsException(path);
        }
    }

    public async Task<long?> SizeAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _client.GetObjectMetadataAsync(_options.Bucket, Key(path), cancellationToken);
            return head.ContentLength;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<LocalCopy> OpenLocalAsync(string path, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_staging);
        var file = Path.Combine(_staging, $"read-{Guid.NewGuid():N}.parquet{ArchiveLayout.TemporarySuffix}");
        using var response = await _client.GetObjectAsync(_options.Bucket, Key(path), cancellationToken);
        await using (var target = File.Create(file))
        {
            await response.ResponseStream.CopyToAsync(target, cancellationToken);
        }

        return new LocalCopy(file, temporary: true);
    }

    public async Task<IReadOnlyList<string>> ListAsync(string folder, CancellationToken cancellationToken)
    {
        var paths = new List<string>();
        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = Key(folder) + "/" };
        ListObjectsV2Response response;
        do
        {
            response = await _client.ListObjectsV2Async(request, cancellationToken);
            paths.AddRange((response.S3Objects ?? []).Select(o => o.Key[_options.Prefix.Length..]).Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        return [.. paths.Order(StringComparer.Ordinal)];
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken) =>
        _client.DeleteObjectAsync(_options.Bucket, Key(path), cancellationToken);

    public Task<int> RemoveStagingAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_staging))
        {
            return Task.FromResult(0);
        }

        var files = Directory.GetFiles(_staging, "*" + ArchiveLayout.TemporarySuffix);
        foreach (var file in files)
        {
            File.Delete(file);
        }

        return Task.FromResult(files.Length);
    }

    public void Dispose() => _client.Dispose();

    private string Key(string path) => _options.Prefix + path;
}
