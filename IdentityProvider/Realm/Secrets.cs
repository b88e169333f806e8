using System.Security.Cryptography;
using System.Text;

namespace IotAspire.IdentityProvider.Realm;

public static class Secrets
{
    /// <summary>Compares in constant time, so the time a wrong guess takes tells nothing about the right one.</summary>
    public static bool Matches(string? expected, string? given) =>
        expected is not null && given is not null &&
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
}
