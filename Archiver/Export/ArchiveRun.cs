namespace IotAspire.Archiver.Export;

/// <summary>This process's run id (written into every part it makes) and the archive instance of its database.</summary>
public sealed class ArchiveRun
{
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>Set at start from <c>archive_instance</c>: parts of another database are never adopted or removed.</summary>
    public Guid Instance { get; set; }
}
