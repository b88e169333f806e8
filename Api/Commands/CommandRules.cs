using System.Text.RegularExpressions;

namespace IotAspire.Api.Commands;

/// <summary>Direct-method rules (Azure IoT Hub semantics): names are one topic level, timeouts 5–300 s.</summary>
public static partial class CommandRules
{
    public const int MinTimeoutSeconds = 5;
    public const int MaxTimeoutSeconds = 300;
    public const int DefaultTimeoutSeconds = 30;
    public const string NameRule = "1-64 characters of A-Z, a-z, 0-9, '_', '.', '-', and not 'response'";

    /// <summary>The level that carries answers: a command of that name would be read as an answer to itself.</summary>
    public const string ReservedName = "response";

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[a-f0-9]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex RequestIdPattern();

    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name) && name != ReservedName;

    public static bool IsValidTimeout(int seconds) => seconds is >= MinTimeoutSeconds and <= MaxTimeoutSeconds;

    public static string NewRequestId() => Guid.NewGuid().ToString("N");

    public static bool IsValidRequestId(string requestId) => RequestIdPattern().IsMatch(requestId);
}
