using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IotAspire.IntegrationTests.Containers;

/// <summary>A throwaway CA and a server certificate it signed for one host name, as PEM files (ca.crt, tls.crt, tls.key).</summary>
public static class TestCertificates
{
    public static X509Certificate2 Write(string folder, string hostName)
    {
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=IotAspire test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(hostName);
        request.CertificateExtensions.Add(names.Build());
        using var server = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(Path.Combine(folder, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "tls.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(folder, "tls.key"), key.ExportPkcs8PrivateKeyPem());
        return ca;
    }

    /// <summary>Trusts exactly this CA (and no system root) for the connection's certificate.</summary>
    public static bool IsSignedBy(X509Certificate2 ca, X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
