using System.Diagnostics;
using System.Globalization;
using Aspire.Hosting.Testing;
using IotAspire.Core;
using IotAspire.Core.Presence;
using IotAspire.IntegrationTests.Infrastructure;
using Npgsql;
using StackExchange.Redis;

namespace IotAspire.IntegrationTests.Presence;

/// <summary>Presence from the device's retained status and its Last Will, with real mosquitto clients as devices.</summary>
[Collection(StackCollection.Name)]
public sealed class PresenceTests(StackFixture stack) : IAsyncLifetime
{
    private const int KeepAliveSeconds = 5; // the smallest mosquitto_sub accepts

    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() =>
        _redis = await ConnectionMultiplexer.ConnectAsync(await stack.App.GetConnectionStringAsync(ResourceNames.Redis)
            ?? throw new InvalidOperationException("No redis connection string."));

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Status_RetainedOnline_ShownOnlineInRedisAndLastConnectedInDatabase()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "presence-online");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        await PublishStatusAsync(device, online: true);

        var presence = await Eventually.ReturnsAsync(() => PresenceAsync(device.Id), p => p.Online == true, TimeSpan.FromSeconds(10), "online in Redis");
        Assert.InRange(presence.Since!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
        var (connected, disconnected) = await ConnectionTimesAsync(device.Id);
        Assert.Equal(presence.Since.Value.ToUnixTimeMilliseconds(), connected?.ToUnixTimeMilliseconds());
        Assert.Null(disconnected);
    }

    [Fact]
    public async Task Status_SameStateAgain_KeepsTheOriginalSince()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "presence-repeat");
        await PublishStatusAsync(device, online: true);
        var first = await Eventually.ReturnsAsync(() => PresenceAsync(device.Id), p => p.Online == true, TimeSpan.FromSeconds(10), "online in Redis");

        await PublishStatusAsync(device, online: true);
        await PublishStatusAsync(device, online: false);

        await Eventually.ReturnsAsync(() => PresenceAsync(device.Id), p => p.Online == false, TimeSpan.FromSeconds(10), "offline in Redis");
        var (connected, disconnected) = await ConnectionTimesAsync(device.Id);
        Assert.Equal(first.Since!.Value.ToUnixTimeMilliseconds(), connected?.ToUnixTimeMilliseconds());
        Assert.NotNull(disconnected);
    }

    [Fact]
    public async Task LastWill_DeviceProcessKilled_ShownOfflineAtOnce()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "presence-kill");
        using var deviceProcess = await StartOnlineDeviceAsync(device, KeepAliveSeconds);

        var killed = Stopwatch.StartNew();
        deviceProcess.Kill(); // SIGKILL: no DISCONNECT; the kernel closes the socket, and the broker publishes the Last Will.
        await deviceProcess.WaitForExitAsync();
        var presence = await Eventually.ReturnsAsync(() => PresenceAsync(device.Id), p => p.Online == false,
            TimeSpan.FromSeconds(KeepAliveSeconds * 3), "offline in Redis");

        Assert.True(killed.Elapsed <= TimeSpan.FromSeconds(KeepAliveSeconds * 1.5), $"offline after {killed.Elapsed.TotalSeconds:0.00} s");
        var (_, disconnected) = await ConnectionTimesAsync(device.Id);
        Assert.Equal(presence.Since!.Value.ToUnixTimeMilliseconds(), disconnected?.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task LastWill_DeviceSilent_ShownOfflineOnceTheBrokerTimesItOut()
    {
        var device = await DeviceCredentials.RegisterAsync(stack, "presence-silent");
        using var deviceProcess = await StartOnlineDeviceAsync(device, KeepAliveSeconds);
        try
        {
            // SIGSTOP: the connection stays open but nothing more is sent, like a device that lost power or network.
            // Only the broker's keepalive timeout (1.5 x keepalive after the last packet) can notice it.
            var stopped = await ProcessRunner.RunAsync("kill", ["-STOP", deviceProcess.Id.ToString(CultureInfo.InvariantCulture)]);
            Assert.True(stopped.ExitCode == 0, stopped.Error);
            var silent = Stopwatch.StartNew();

            // The MQTT spec says 1.5 x keepalive; mosquitto 2.0.11 (the executables mode) checks keepalives coarsely and
            // timed such a device out after 7.8 to 13 s with a 5 s keepalive. The worker records the will within
            // milliseconds of the broker publishing it; the bound here is the broker's.
            await Eventually.ReturnsAsync(() => PresenceAsync(device.Id), p => p.Online == false,
                TimeSpan.FromSeconds(KeepAliveSeconds * 4), "offline in Redis");

            Assert.True(silent.Elapsed >= TimeSpan.FromSeconds(KeepAliveSeconds * 0.4), $"offline after only {silent.Elapsed.TotalSeconds:0.00} s: not the keepalive");
        }
        finally
        {
            deviceProcess.Kill();
        }
    }

    /// <summary>
    /// A device that publishes its retained online status, then stays connected with a Last Will; it prints its own
    /// retained status once it is subscribed, which tells that its connection (and will) is in place.
    /// </summary>
    private async Task<Process> StartOnlineDeviceAsync(DeviceCredentials device, int keepAliveSeconds)
    {
        await PublishStatusAsync(device, online: true);
        await Eventually.ReturnsAsync(() => PresenceAsync(device.Id), p => p.Online == true, TimeSpan.FromSeconds(10), "online in Redis");
        var deviceProcess = StartDevice(device, keepAliveSeconds);
        var line = await deviceProcess.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(line?.Contains("\"online\":true") == true,
            $"The device did not receive its retained status: {line}; {(deviceProcess.HasExited ? await deviceProcess.StandardError.ReadToEndAsync() : "")}");
        return deviceProcess;
    }

    private Process StartDevice(DeviceCredentials device, int keepAliveSeconds)
    {
        var start = new ProcessStartInfo("mosquitto_sub")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", device.Password, "-i", device.Username, "-V", "mqttv5",
            "-k", keepAliveSeconds.ToString(CultureInfo.InvariantCulture),
            "--will-topic", $"devices/{device.Id}/status", "--will-payload", """{"online":false}""", "--will-retain", "--will-qos", "1",
            "-t", $"devices/{device.Id}/status", "-q", "1",
        })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("mosquitto_sub did not start.");
    }

    private async Task PublishStatusAsync(DeviceCredentials device, bool online)
    {
        var sent = await ProcessRunner.RunAsync("mosquitto_pub",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", device.Password, "-i", device.Username, "-q", "1", "-r",
            "-t", $"devices/{device.Id}/status", "-m", online ? """{"online":true}""" : """{"online":false}""",
        ]);
        Assert.True(sent.ExitCode == 0, sent.Error);
    }

    private async Task<(bool? Online, DateTimeOffset? Since)> PresenceAsync(string deviceId)
    {
        var fields = await _redis.GetDatabase().HashGetAsync(PresenceKeys.Key(deviceId), [PresenceKeys.OnlineField, PresenceKeys.SinceField]);
        return fields[0].IsNullOrEmpty
            ? (null, null)
            : (fields[0] == "1", DateTimeOffset.FromUnixTimeMilliseconds((long)fields[1]));
    }

    private async Task<(DateTimeOffset? Connected, DateTimeOffset? Disconnected)> ConnectionTimesAsync(string deviceId)
    {
        await using var connection = new NpgsqlConnection(stack.DatabaseConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT last_connected, last_disconnected FROM devices WHERE device_id = @id", connection);
        command.Parameters.AddWithValue("id", deviceId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (
            reader.IsDBNull(0) ? null : reader.GetFieldValue<DateTimeOffset>(0),
            reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }
}
