using System.Diagnostics;
using Amazon.Runtime;
using Amazon.S3;
using IotAspire.IntegrationTests.Infrastructure;
using IotAspire.Testing;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>
/// s3rver (npm), an S3-compatible server in Node.js, on a free loopback port with one bucket. The test setup installs it
/// with npm into a cache folder the first time (about 15 s). Stopped by its own process id.
/// </summary>
public sealed class S3rverServer : IAsyncDisposable
{
    public const string Version = "3.7.1";
    public const string AccessKey = "S3RVER"; // s3rver's fixed credentials.
    public const string SecretKey = "S3RVER";

    private static readonly string InstallFolder = Path.Combine(Path.GetTempPath(), "iotaspire-tests", $"s3rver-{Version}");
    private readonly Process _process;

    private S3rverServer(Process process, int port, string bucket, string dataFolder)
    {
        _process = process;
        ServiceUrl = $"http://127.0.0.1:{port}";
        Bucket = bucket;
        DataFolder = dataFolder;
    }

    public string ServiceUrl { get; }
    public string Bucket { get; }
    public string DataFolder { get; }

    public static async Task<S3rverServer> StartAsync(string bucket)
    {
        var bin = Path.Combine(InstallFolder, "node_modules", "s3rver", "bin", "s3rver.js");
        if (!File.Exists(bin))
        {
            Directory.CreateDirectory(InstallFolder);
            var install = await ProcessRunner.RunAsync("npm",
                ["install", "--prefix", InstallFolder, "--no-audit", "--no-fund", "--silent", $"s3rver@{Version}"]);
            Assert.True(install.ExitCode == 0 && File.Exists(bin), $"npm install s3rver failed ({install.ExitCode}): {install.Output}{install.Error}");
        }

        var port = LoopbackPorts.Free();
        var data = Directory.CreateTempSubdirectory("iotaspire-s3rver-").FullName;
        var start = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { bin, "-d", data, "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--configure-bucket", bucket })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new S3rverServer(process, port, bucket, data);
        await Eventually.ReturnsAsync(() => Task.FromResult(LoopbackPorts.IsListening(port) || process.HasExited), up => up, TimeSpan.FromSeconds(20), "s3rver listening");
        Assert.False(process.HasExited, "s3rver exited at start");
        return server;
    }

    public AmazonS3Client Client() => new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
    {
        ServiceURL = ServiceUrl,
        ForcePathStyle = true,
        AuthenticationRegion = "us-east-1",
        RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
        ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
    });

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(DataFolder, recursive: true);
    }
}
