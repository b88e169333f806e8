using System.ComponentModel.DataAnnotations;

namespace IotAspire.Migrations;

/// <summary>The DeviceWorker's own broker account, created or updated on every run.</summary>
public sealed class WorkerAccountOptions
{
    public const string Section = "WorkerAccount";

    [Required]
    public string Username { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";
}
