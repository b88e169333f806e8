using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Simulator.Api;
using IotAspire.Simulator.Devices;
using IotAspire.Simulator.Provisioning;
using Microsoft.Extensions.Options;

namespace IotAspire.Simulator;

/// <summary>
/// Runs the virtual devices: each onboards (by fleet claim, or through the API; a few at a time), connects with its own
/// credentials and sends on its own schedule; starts are spread over one period so the load is even.
/// Logs a one-line summary every 30 seconds.
/// </summary>
public sealed class SimulatorWorker(
    IOptions<SimulatorOptions> options,
    IConfiguration configuration,
    DeviceRegistrationClient registration,
    FleetClaimProvisioner provisioner,
    SimulatorDiagnostics diagnostics,
    ILoggerFactory loggerFactory,
    ILogger<SimulatorWorker> logger) : BackgroundService
{
    private static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(30);
    private const int ConcurrentRegistrations = 8;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.Devices == 0)
        {
            logger.LogInformation("Simulator:Devices is 0: no virtual devices to run");
            return;
        }

        // The AppHost's broker address wins over the public one the API hands out (they differ behind NAT or in containers).
        var mqtt = configuration.GetConnectionString(ResourceNames.Mqtt);
        var broker = string.IsNullOrWhiteSpace(mqtt) ? null : MqttBrokerAddress.Parse(mqtt);
        var period = settings.MessagePeriod;
        logger.LogInformation("Starting {Devices} virtual devices ({Prefix}…), one message every {Period} each, QoS {Qos}, {Values} values per message",
            settings.Devices, settings.IdPrefix, period, settings.Qos, settings.ValuesPerMessage);

        using var registrations = new SemaphoreSlim(ConcurrentRegistrations);
        var devices = Enumerable.Range(0, settings.Devices)
            .Select(index => RunDeviceAsync(index, settings, broker, period, registrations, stoppingToken))
            .ToList();
        devices.Add(LogSummariesAsync(settings.Devices, stoppingToken));
        await Task.WhenAll(devices);
    }

    private async Task RunDeviceAsync(
        int index, SimulatorOptions settings, MqttBrokerAddress? broker, TimeSpan period, SemaphoreSlim registrations, CancellationToken stoppingToken)
    {
        var deviceId = settings.DeviceId(index);
        try
        {
            MqttCredentials? credentials;
            await registrations.WaitAsync(stoppingToken);
            try
            {
                credentials = await OnboardAsync(deviceId, settings, broker, stoppingToken);
            }
            finally
            {
                registrations.Release();
            }

            if (credentials is null)
            {
                return;
            }

            // The credentials live with the device from here on: reconnects and reboots never provision again.
            await using var device = new VirtualDevice(
                deviceId, credentials, broker, settings, registration, diagnostics, loggerFactory.CreateLogger<VirtualDevice>());
            var startDelay = period * index / settings.Devices;
            await device.RunAsync(period, startDelay, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex)
        {
            // Only a non-retriable error gets here (e.g. the API rejects the id): the other devices go on.
            logger.LogError(ex, "Virtual device {DeviceId} stopped", deviceId);
        }
    }

    /// <summary>
    /// The device's own credentials: by fleet claim when the AppHost gave us the claim password, else through the API.
    /// Null when the device cannot be onboarded (logged); the other devices go on.
    /// </summary>
    private async Task<MqttCredentials?> OnboardAsync(string deviceId, SimulatorOptions settings, MqttBrokerAddress? broker, CancellationToken stoppingToken)
    {
        if (string.IsNullOrEmpty(settings.FleetClaimPassword))
        {
            return await registration.GetCredentialsAsync(deviceId, stoppingToken);
        }

        if (broker is null)
        {
            throw new InvalidOperationException($"Fleet provisioning needs ConnectionStrings:{ResourceNames.Mqtt}.");
        }

        var claim = await provisioner.ProvisionAsync(deviceId, $"Simulated {deviceId}", broker, settings.FleetClaimPassword, stoppingToken);
        if (claim.Outcome == ClaimOutcome.Accepted)
        {
            return claim.Credentials;
        }

        // Registered by an earlier run whose password we no longer have: the claim never takes a device over.
        logger.LogWarning(
            "Device {DeviceId} is already registered (fleet provisioning answered 409: {Message}); asking the API for new credentials instead",
            deviceId, claim.Message);
        try
        {
            return await registration.RotateAsync(deviceId, stoppingToken);
        }
        catch (HttpRequestException ex)
        {
            logger.LogError(
                "Device {DeviceId} is skipped: it was registered before and the API did not issue new credentials ({Reason}). "
                + "Revoke and re-register it, or run with a fresh data folder",
                deviceId, ex.Message);
            return null;
        }
    }

    private async Task LogSummariesAsync(int deviceCount, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(SummaryInterval);
        var lastSent = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var sent = diagnostics.Sent;
                logger.LogInformation(
                    "Simulator: {Connected}/{Devices} devices connected, {Sent} messages sent ({Rate:F1}/s over the last {Seconds} s), {Failed} failed",
                    diagnostics.Connected, deviceCount, sent, (sent - lastSent) / SummaryInterval.TotalSeconds,
                    SummaryInterval.TotalSeconds, diagnostics.Failed);
                lastSent = sent;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }
}
