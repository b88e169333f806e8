using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace IotAspire.AppHost.Infrastructure;

/// <summary>
/// The certificates of the broker's TLS listener for local runs: a local CA and a server certificate it signed, as
/// PEM files (ca.crt for devices; server.crt and server.key for Mosquitto). They outlive runs, so devices keep
/// trusting the same ca.crt, and are regenerated when one expires within 30 days or no longer names this machine.
/// The CA's key is never written: nothing else can ever be signed by the CA devices trust.
/// </summary>
public static class DeviceTls
{
    public const string CaFileName = "ca.crt";
    public const string CertificateFileName = "server.crt";
    public const string KeyFileName = "server.key";

    /// <summary>The mqtt resource's endpoint of the TLS listener (the plain one stays the connection string).</summary>
    public const string EndpointName = "mqtts";

    /// <summary>The broker's host name on the containers' network.</summary>
    public const string ContainerHostName = Core.ResourceNames.Mqtt;

    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);

    // 825 days: the longest server certificate lifetime strict TLS clients (Apple's) accept even from a private CA.
    private static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(825);
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private static readonly IPAddress[] IpNames = [IPAddress.Loopback, IPAddress.IPv6Loopback];

    /// <summary>Under Infra:DataRoot when set, else beside the per-run data folders (it outlives runs).</summary>
    public static string Folder(IConfiguration configuration) => Path.Combine(DataRoot.Shared(configuration), "tls");

    /// <summary>The CA file devices pass to their MQTT client (mosquitto_pub --cafile).</summary>
    public static string CaFile(IConfiguration configuration) => Path.Combine(Folder(configuration), CaFileName);

    /// <summary>The certificate folder; its files are made valid first when running (publishing only describes it).</summary>
    public static string Prepare(IDistributedApplicationBuilder builder)
    {
        var folder = Folder(builder.Configuration);
        if (builder.ExecutionContext.IsRunMode)
        {
            EnsureFiles(folder, DateTimeOffset.UtcNow);
        }

        return folder;
    }

    public static void EnsureFiles(string folder, DateTimeOffset now)
    {
        Directory.CreateDirectory(folder);
        string[] dnsNames = ["localhost", Dns.GetHostName(), ContainerHostName];

        // AppHosts started side by side (tests) must not mix the files of two generations.
        using var exclusive = Lock(folder);
        if (!AreValid(folder, now, dnsNames))
        {
            Generate(folder, now, dnsNames);
        }
    }

    private static bool AreValid(string folder, DateTimeOffset now, string[] dnsNames)
    {
        var caPath = Path.Combine(folder, CaFileName);
        var certificatePath = Path.Combine(folder, CertificateFileName);
        var keyPath = Path.Combine(folder, KeyFileName);
        if (!File.Exists(caPath) || !File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return false;
        }

        try
        {
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPath));
            // Loading with the key also checks that the key belongs to the certificate.
            using var server = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var renewal = now + RenewBefore;
            return ca.NotAfter.ToUniversalTime() > renewal
                && server.NotAfter.ToUniversalTime() > renewal
                && IsSignedBy(server, ca, now)
                && NamesAll(server, dnsNames);
        }
        catch (CryptographicException)
        {
            // Unreadable or mismatched files: generate new ones.
            return false;
        }
    }

    private static bool IsSignedBy(X509Certificate2 server, X509Certificate2 ca, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        return chain.Build(server);
    }

    private static bool NamesAll(X509Certificate2 server, string[] dnsNames)
    {
        var extension = server.Extensions.Cast<X509Extension>().FirstOrDefault(e => e.Oid?.Value == "2.5.29.17");
        if (extension is null)
        {
            return false;
        }

        var names = new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical);
        var dns = names.EnumerateDnsNames().ToHashSet(StringComparer.OrdinalIgnoreCase);
        var ips = names.EnumerateIPAddresses().ToHashSet();
        return dnsNames.All(dns.Contains) && IpNames.All(ips.Contains);
    }

    private static void Generate(string folder, DateTimeOffset now, string[] dnsNames)
    {
        var notBefore = now.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=IotAspire local device CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, now + CaLifetime);

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=IotAspire MQTT broker", serverKey, HashAlgorithmName.SHA256);
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(serverRequest.PublicKey, false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in dnsNames.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            names.AddDnsName(name);
        }

        foreach (var address in IpNames)
        {
            names.AddIpAddress(address);
        }

        serverRequest.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var server = serverRequest.Create(ca, notBefore, now + ServerLifetime, serial);

        // The key first: a reader that sees the new certificate must not find the old key.
        WriteAtomically(Path.Combine(folder, KeyFileName), serverKey.ExportPkcs8PrivateKeyPem(), secret: true);
        WriteAtomically(Path.Combine(folder, CertificateFileName), server.ExportCertificatePem(), secret: false);
        WriteAtomically(Path.Combine(folder, CaFileName), ca.ExportCertificatePem(), secret: false);
    }

    /// <summary>Written beside the target and renamed over it; the key is created owner-only (never world-readable).</summary>
    private static void WriteAtomically(string path, string pem, bool secret)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }

        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
        {
            writer.Write(pem);
            writer.Write('\n');
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static FileStream Lock(string folder)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Another AppHost is checking or writing the files.
                Thread.Sleep(100);
            }
        }
    }
}
