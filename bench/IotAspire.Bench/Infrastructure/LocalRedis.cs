using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IotAspire.Bench.Infrastructure;

/// <summary>
/// A redis-server of its own on a free loopback port, configured like the stack's (append-only file, fsync every
/// second, no RDB snapshots), in a fresh folder that is deleted afterwards.
/// </summary>
public sealed class LocalRedis : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private LocalRedis(Process process, string folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<LocalRedis> StartAsync(bool appendOnly, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("iotaspire-bench-redis-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("redis-server")
        {
            ArgumentList =
            {
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                "--dir", folder, "--save", "", "--appendonly", appendOnly ? "yes" : "no", "--appendfsync", "everysec",
                "--logfile", Path.Combine(folder, "redis.log"),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        var redis = new LocalRedis(process, folder, port);
        try
        {
            await WaitForPortAsync(port, process, cancellationToken);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port, Process process, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with code {process.ExitCode}: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, cancellationToken);
            }
        }

        throw new TimeoutException($"redis-server did not listen on port {port} within 10 s.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
