using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using IotAspire.Core.Protocol;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Devices;

/// <summary>
/// The broker's TLS listener for devices, driven by the real mosquitto_pub as a device's owner would:
/// trusted by the CA file the AppHost writes, with the same accounts as the plain listener.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TlsListenerTests(StackFixture stack)
{
    private static readonly TimeSpan IngestTimeout = TimeSpan.FromSeconds(20);

    public enum Trust
    {
        /// <summary>No TLS at all: the client speaks plain MQTT to the TLS port.</summary>
        None,

        /// <summary>The operating system's public CAs, which never signed the local broker certificate.</summary>
        SystemCas,

        /// <summary>Another CA with the same name as the local one.</summary>
        ForeignCa,
    }

    [Fact]
    public async Task Publish_TrustedCaOnTlsPort_TelemetryIsStored()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "tls");

        var sent = await PublishOverTlsAsync(device, ["--cafile", stack.BrokerCaFile], device.Password);

        Assert.True(sent.ExitCode == 0, $"mosquitto_pub over TLS failed: {sent.Output}\n{sent.Error}");
        await Eventually.ReturnsAsync(() => Database.CountTelemetryAsync(stack, device.Id, "tls"), count => count == 1, IngestTimeout, "the TLS point stored");
    }

    [Theory]
    [InlineData(Trust.None)]
    [InlineData(Trust.SystemCas)]
    [InlineData(Trust.ForeignCa)]
    public async Task Connect_ClientNotTrustingTheLocalCa_Fails(Trust trust)
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "tls-untrusted");
        var foreignCa = Path.Combine(Path.GetTempPath(), $"iotaspire-foreign-ca-{Guid.NewGuid():N}.crt");
        await File.WriteAllTextAsync(foreignCa, ForeignCaPem());
        try
        {
            string[] tls = trust switch
            {
                Trust.None => [],
                Trust.SystemCas => ["--capath", "/etc/ssl/certs"],
                _ => ["--cafile", foreignCa],
            };

            var sent = await PublishOverTlsAsync(device, tls, device.Password);

            // The same call with the local CA succeeds (above): a TLS error here is the server certificate's rejection.
            Assert.NotEqual(0, sent.ExitCode);
            if (trust != Trust.None)
            {
                Assert.Contains("TLS error", sent.Output + sent.Error, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            File.Delete(foreignCa);
        }
    }

    [Fact]
    public async Task Connect_WrongPasswordOverTls_IsRefused()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "tls-wrongpw");

        var sent = await PublishOverTlsAsync(device, ["--cafile", stack.BrokerCaFile], "not-the-password");

        Assert.NotEqual(0, sent.ExitCode);
        Assert.Contains("not authori", sent.Output + sent.Error, StringComparison.OrdinalIgnoreCase);
    }

    private Task<ProcessRunner.Result> PublishOverTlsAsync(DeviceCredentials device, string[] tls, string password) =>
        ProcessRunner.RunAsync("mosquitto_pub",
        [
            "-h", stack.BrokerTls.Host, "-p", stack.BrokerTls.Port.ToString(CultureInfo.InvariantCulture), .. tls,
            "-u", device.Username, "-P", password, "-i", device.Username, "-V", "mqttv5", "-q", "1",
            "-t", DeviceTopics.Telemetry(device.Id), "-m", """{"ts":"2025-11-26T10:00:00Z","tls":1}""",
        ]);

    private static string ForeignCaPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=IotAspire local device CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return ca.ExportCertificatePem();
    }
}
