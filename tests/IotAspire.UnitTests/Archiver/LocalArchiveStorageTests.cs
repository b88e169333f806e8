using IotAspire.Archiver.Storage;

namespace IotAspire.UnitTests.Archiver;

public sealed class LocalArchiveStorageTests : IDisposable
{
    private const string Part = "telemetry/date=2026-01-02/part-00000.parquet";
    private readonly string _root = Directory.CreateTempSubdirectory("iotaspire-archive-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task PublishAsync_StagingFile_AppearsUnderItsFinalNameOnly()
    {
        var storage = new LocalArchiveStorage(_root);
        var staging = storage.StagingFileFor(Part);
        await File.WriteAllTextAsync(staging, "part");

        await storage.PublishAsync(staging, Part, CancellationToken.None);

        Assert.False(File.Exists(staging));
        Assert.Equal(4L, await storage.SizeAsync(Part, CancellationToken.None));
        Assert.Equal([Part], await storage.ListAsync("telemetry", CancellationToken.None));
    }

    [Fact]
    public async Task PublishAsync_FinalNameTaken_ThrowsAndKeepsTheExistingPart()
    {
        var storage = new LocalArchiveStorage(_root);
        var first = storage.StagingFileFor(Part);
        await File.WriteAllTextAsync(first, "first");
        await storage.PublishAsync(first, Part, CancellationToken.None);
        var second = storage.StagingFileFor(Part);
        await File.WriteAllTextAsync(second, "second");

        await Assert.ThrowsAsync<ArchiveObjectExistsException>(() => storage.PublishAsync(second, Part, CancellationToken.None));
        Assert.Equal("first", await File.ReadAllTextAsync(Path.Combine(_root, Part)));
    }

    [Fact]
    public async Task RemoveStagingAsync_LeftoverFiles_RemovesOnlyStagingFiles()
    {
        var storage = new LocalArchiveStorage(_root);
        await File.WriteAllTextAsync(storage.StagingFileFor(Part), "half");
        var published = storage.StagingFileFor("telemetry/date=2026-01-03/part-00000.parquet");
        await File.WriteAllTextAsync(published, "whole");
        await storage.PublishAsync(published, "telemetry/date=2026-01-03/part-00000.parquet", CancellationToken.None);

        Assert.Equal(1, await storage.RemoveStagingAsync(CancellationToken.None));
        Assert.Equal(["telemetry/date=2026-01-03/part-00000.parquet"], await storage.ListAsync("telemetry", CancellationToken.None));
    }
}
