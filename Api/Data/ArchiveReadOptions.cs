using System.ComponentModel.DataAnnotations;

namespace IotAspire.Api.Data;

/// <summary>Where the Archiver's parts are, section <c>Archive</c> (the same <c>Root</c> the Archiver writes to).</summary>
public sealed class ArchiveReadOptions
{
    public const string Section = "Archive";

    /// <summary>The archive root folder; the AppHost gives the Api and the Archiver the same one.</summary>
    [Required]
    public string Root { get; set; } = "archive";
}
