using System.Runtime.InteropServices;

namespace IotAspire.Archiver.Storage;

/// <summary>The three libc calls .NET does not offer for folders (it refuses to open a directory as a file).</summary>
internal static partial class NativeFiles
{
    public const int ReadOnly = 0;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);
}
