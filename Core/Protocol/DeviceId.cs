using System.Text.RegularExpressions;

namespace IotAspire.Core.Protocol;

/// <summary>
/// Device ids are 1–64 characters of [A-Za-z0-9_.-]: safe as an MQTT topic level (no '/', '+', '#'),
/// as a broker user name and client id, and in a URL path ("." and ".." are not: clients collapse them as path segments).
/// </summary>
public static partial class DeviceId
{
    public const int MaxLength = 64;
    public const string Rule = "1-64 characters of A-Z, a-z, 0-9, '_', '.', '-', other than '.' and '..'";

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? id) => id is not null and not ("." or "..") && Pattern().IsMatch(id);
}
