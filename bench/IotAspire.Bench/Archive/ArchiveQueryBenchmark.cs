namespace IotAspire.Bench.Archive;

public static class ArchiveQueryBenchmark
{
    public static Task<object?> RunAsync(ArchiveSettings settings, string root, CancellationToken cancellationToken) => Task.FromResult<object?>(null);
}
