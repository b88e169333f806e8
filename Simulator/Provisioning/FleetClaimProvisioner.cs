using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Protocol;
using IotAspire.Core.Provisioning;
using IotAspire.Simulator.Api;
using MQTTnet;
using MQTTnet.Protocol;

namespace IotAspire.Simulator.Provisioning;

public enum ClaimOutcome
{
    /// <summary>The device is registered with the password it chose.</summary>
    Accepted,

    /// <summary>The id was registered before (e.g. by an earlier run of the simulator): the claim cannot help.</summary>
    AlreadyRegistered,
}

public sealed record ClaimResult(ClaimOutcome Outcome, MqttCredentials? Credentials, string? Message);

/// <summary>
/// Onboards a device as a real fleet would: connect with the shared fleet claim (client id = the device id), subscribe
/// to <c>provisioning/{id}/response</c>, send <c>provisioning/{id}/request</c> with a password the device chose, wait
/// for the answer, disconnect. The caller then connects with the device's own credentials. Retries with back-off
/// while the broker or the worker cannot answer (unreachable, claim refused, 503, no answer).
/// </summary>
public sealed partial class FleetClaimProvisioner(ILogger<FleetClaimProvisioner> logger)
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);
    private static readonly MqttReconnectBackoff Backoff = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Spread: 0.2);

    public async Task<ClaimResult> ProvisionAsync(
        string deviceId, string name, MqttBrokerAddress broker, string claimPassword, CancellationToken cancellationToken)
    {
        // One password for every attempt: if an answer is lost, a later 409 may well be our own registration.
        var password = NewPassword();
        var unansweredBefore = false;
        for (var attempt = 1; ; attempt++)
        {
            var answer = await TryOnceAsync(deviceId, name, password, broker, claimPassword, attempt, cancellationToken);
            switch (answer)
            {
                case { Code: 200 }:
                    LogProvisioned(deviceId);
                    return new ClaimResult(ClaimOutcome.Accepted, new MqttCredentials(broker.Host, broker.Port, deviceId, password), null);
                case { Code: 409 } when unansweredBefore:
                    LogMaybeOurs(deviceId);
                    return new ClaimResult(ClaimOutcome.Accepted, new MqttCredentials(broker.Host, broker.Port, deviceId, password), answer.Message);
                case { Code: 409 }:
                    return new ClaimResult(ClaimOutcome.AlreadyRegistered, null, answer.Message);
                case { Code: >= 400 and < 500 }:
                    // A 400 is our own mistake (id, password): retrying cannot fix it.
                    throw new InvalidOperationException($"The fleet provisioning of {deviceId} was rejected ({answer.Code}): {answer.Message}");
                case null:
                    unansweredBefore = true;
                    break;
            }

            await Task.Delay(Backoff.Next(attempt, Random.Shared), cancellationToken);
        }
    }

    private sealed record Answer(int Code, string? Message);

    /// <summary>One request; null when there was no usable answer (logged), a code otherwise (503 is worth a retry too).</summary>
    private async Task<Answer?> TryOnceAsync(
        string deviceId, string name, string password, MqttBrokerAddress broker, string claimPassword, int attempt, CancellationToken cancellationToken)
    {
        var clientToken = Guid.NewGuid().ToString("N");
        var answers = Channel.CreateUnbounded<byte[]>();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(deviceId)
            .WithCredentials(ServiceAccounts.FleetClaimUsername, claimPassword)
            .WithCleanStart()
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        ResilientMqttClient? self = null;
        // One attempt a call (the caller retries); disposing it disconnects quietly.
        await using var connection = self = new ResilientMqttClient($"fleet claim of {deviceId}", () => options, Backoff, logger)
        {
            Connected = (_, token) => self!.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(ProvisioningTopics.Response(deviceId), MqttQualityOfServiceLevel.AtLeastOnce).Build(),
                token),
        };
        connection.Client.ApplicationMessageReceivedAsync += e =>
        {
            answers.Writer.TryWrite(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };

        try
        {
            try
            {
                await connection.EnsureConnectedAsync(cancellationToken);
            }
            catch (MqttConnectException refused)
            {
                // Disabled or rotated: an administrator has to act; keep asking slowly.
                LogClaimRefused(deviceId, attempt, refused.ResultCode.ToString());
                return null;
            }

            var request = new MqttApplicationMessageBuilder()
                .WithTopic(ProvisioningTopics.Request(deviceId))
                .WithPayload(JsonSerializer.SerializeToUtf8Bytes(new { password, name, clientToken }))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await connection.Client.PublishAsync(request, cancellationToken);

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(AnswerTimeout);
            while (true)
            {
                var payload = await answers.Reader.ReadAsync(timeout.Token);
                // Every claim holder may read every response: only the one that carries our token is ours.
                if (ProvisioningResponse.TryRead(payload, out _, out var code, out var message, out var token) && token == clientToken)
                {
                    if (code == 503)
                    {
                        LogNoAnswer(deviceId, attempt, message ?? "503");
                        return null;
                    }

                    return new Answer(code, message);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogNoAnswer(deviceId, attempt, $"no answer within {AnswerTimeout.TotalSeconds} s");
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogNoAnswer(deviceId, attempt, ex.Message);
            return null;
        }
    }

    /// <summary>32 random bytes, base64url: the device's own secret, never sent anywhere but its request.</summary>
    internal static string NewPassword() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    [LoggerMessage(LogLevel.Information, "Device {DeviceId} provisioned itself with the fleet claim")]
    private partial void LogProvisioned(string deviceId);

    [LoggerMessage(LogLevel.Warning, "Device {DeviceId} got 409 after an unanswered request: probably its own registration; trying the password it sent")]
    private partial void LogMaybeOurs(string deviceId);

    [LoggerMessage(LogLevel.Warning, "The broker refused the fleet claim for {DeviceId} (attempt {Attempt}): {Reason}. Is the claim disabled or rotated? Retrying")]
    private partial void LogClaimRefused(string deviceId, int attempt, string reason);

    [LoggerMessage(LogLevel.Warning, "Fleet provisioning of {DeviceId} got no answer (attempt {Attempt}): {Reason}; retrying")]
    private partial void LogNoAnswer(string deviceId, int attempt, string reason);
}
