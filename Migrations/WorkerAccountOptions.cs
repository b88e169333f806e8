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

/// <summary>The Api's own broker account (shadow messages, commands, command answers), created or updated on every run.</summary>
public sealed class ApiAccountOptions
{
    public const string Section = "ApiAccount";

    [Required]
    public string Username { get; set; } = "";

    [Required]
    public string Password { get; set; } = "";
}

/// <summary>
/// The fleet claim account shared by devices that provision themselves. Created on the first run with this password;
/// later runs apply the password only when the configured value changed, so a rotation or disable through the Api stays.
/// </summary>
public sealed class FleetClaimAccountOptions
{
    public const string Section = "FleetClaim";

    [Required]
    [MinLength(16)]
    public string Password { get; set; } = "";
}
