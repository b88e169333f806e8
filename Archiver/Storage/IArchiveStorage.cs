namespace IotAspire.Archiver.Storage;

/// <summary>
/// Where finished parts go. Paths are relative to the archive root (<see cref="Core.Archive.ArchiveLayout"/>).
/// A part is always written and verified in a local staging file first; <see cref="PublishAsync"/> then makes it
/// visible under its final name at once and never replaces an existing object.
/// </summary>
public interface IArchiveStorage
{
    /// <summary>What to say in logs: the root folder or the bucket.</summary>
    string Description { get; }

    /// <summary>A local file to write <paramref name="path"/> into before it is published (removed by <see cref="RemoveStagingAsync"/>).</summary>
    string StagingFileFor(string path);

    /// <summary>Makes the verified staging file visible as <paramref name="path"/>; throws <see cref="ArchiveObjectExistsException"/> if it exists.</summary>
    Task PublishAsync(string stagingFile, string path, CancellationToken cancellationToken);

    /// <summary>The size of a published object, or null when there is none.</summary>
    Task<long?> SizeAsync(string path, CancellationToken cancellationToken);

    /// <summary>A local, seekable copy of a published part (the file itself when it is local); dispose it when done.</summary>
    Task<LocalCopy> OpenLocalAsync(string path, CancellationToken cancellationToken);

    /// <summary>Every published part path under <paramref name="folder"/> (recursively).</summary>
    Task<IReadOnlyList<string>> ListAsync(string folder, CancellationToken cancellationToken);

    Task DeleteAsync(string path, CancellationToken cancellationToken);

    /// <summary>Removes every staging file left by an earlier run; returns how many.</summary>
    Task<int> RemoveStagingAsync(CancellationToken cancellationToken);
}

/// <summary>A local file holding a part; deletes it on dispose when it is a downloaded copy.</summary>
public sealed class LocalCopy(string path, bool temporary) : IDisposable
{
    public string Path { get; } = path;

    public void Dispose()
    {
        if (temporary)
        {
            File.Delete(Path);
        }
    }
}

public sealed class ArchiveObjectExistsException(string path)
    : IOException($"Archive object {path} exists already; it is reconciled (adopted or removed) before the next try.")
{
    public string ArchivePath { get; } = path;
}
