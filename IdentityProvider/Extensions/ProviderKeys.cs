using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.IdentityModel.Tokens;

namespace IotAspire.IdentityProvider.Extensions;

/// <summary>
/// The provider's keys: the token signing and encryption keys and ASP.NET Core's data protection keys (login cookies).
/// Kept in <see cref="IdentityProviderOptions.KeyDirectory"/> when it is set, so that a restarted provider (a crash the
/// AppHost recovers from, a restart with kept data) still accepts the tokens, refresh tokens and sessions it issued,
/// as Keycloak does with the keys in its database. Without it, new keys at every start.
/// </summary>
public static class ProviderKeys
{
    public static RsaSecurityKey Load(string directory, string name)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, name + ".pem");
        var rsa = RSA.Create();
        if (File.Exists(file))
        {
            rsa.ImportFromPem(File.ReadAllText(file));
        }
        else
        {
            rsa.KeySize = 2048;
            // Written whole under a temporary name first: a crash midway leaves no half key behind.
            var temporary = file + ".tmp";
            File.WriteAllText(temporary, rsa.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, file, overwrite: true);
        }

        return new RsaSecurityKey(rsa) { KeyId = name + "-" + Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..16] };
    }

    public static void PersistDataProtection(IServiceCollection services, string directory) =>
        services.AddDataProtection()
            .SetApplicationName("iotaspire-identity")
            .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(directory, "data-protection")));
}
