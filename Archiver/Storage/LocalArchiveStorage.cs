using IotAspire.Core.Archive;

namespace IotAspire.Archiver.Storage;

/// <summary>
/// Parts on the local file system. A part is written as <c>part-NNNNN.parquet.tmp</c> in its final folder, flushed to
/// disk, verified, then renamed into place (atomic within one file system) and the folder flushed, so a crash leaves
/// either no final file or a complete one.
/// </summary>
public sealed class LocalArchiveStorage(string root) : IArchiveStorage
{
    public string Root { get; } = Path.GetFullPath(root);

    public string Description => Root;

    public string StagingFileFor(string path)
    {
        var file = Full(path) + ArchiveLayout.TemporarySuffix;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        return file;
    }

    public Task PublishAsync(string stagingFile, string path, CancellationToken cancellationToken)
    {
        var target = Full(path);
        // rename(2) replaces silently, so refuse first; one Archiver at a time (advisory lock) makes this check enough.
        if (File.Exists(target))
        {
            throw new ArchiveObjectExistsException(path);
        }

        File.Move(stagingFile, target, overwrite: false);
        SyncDirectory(Path.GetDirectoryName(target)!);
        return Task.CompletedTask;
    }

    public Task<long?> SizeAsync(string path, CancellationToken cancellationToken)
    {
        var file = new FileInfo(Full(path));
        return Task.FromResult(file.Exists ? file.Length : (long?)null);
    }

    public Task<LocalCopy> OpenLocalAsync(string path, CancellationToken cancellationToken) =>
        Task.FromResult(new LocalCopy(Full(path), temporary: false));

    public Task<IReadOnlyList<string>> ListAsync(string folder, CancellationToken cancellationToken)
    {
        var directory = Full(folder);
        IReadOnlyList<string> parts = Directory.Exists(directory)
            ? [.. Directory.EnumerateFiles(directory, "*.parquet", SearchOption.AllDirectories)
                .Select(file => Path.GetRelativePath(Root, file).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)]
            : [];
        return Task.FromResult(parts);
    }

    public Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        File.Delete(Full(path));
        return Task.CompletedTask;
    }

    public Task<int> RemoveStagingAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Root, ArchiveLayout.Dataset);
        if (!Directory.Exists(directory))
        {
            return Task.FromResult(0);
        }

        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*" + ArchiveLayout.TemporarySuffix, SearchOption.AllDirectories))
        {
            File.Delete(file);
            removed++;
        }

        return Task.FromResult(removed);
    }

    /// <summary>fsync of the folder: without it a rename can be lost in a power failure even though the file's data is on disk.</summary>
    internal static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return; // Windows has no directory handles to flush; NTFS journals the rename.
        }

        var fd = NativeFiles.Open(directory, NativeFiles.ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open folder {directory} to flush it (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (NativeFiles.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of folder {directory} failed (errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeFiles.Close(fd);
        }
    }

    private string Full(string path) => Path.Combine(Root, path.Replace('/', Path.DirectorySeparatorChar));
}
