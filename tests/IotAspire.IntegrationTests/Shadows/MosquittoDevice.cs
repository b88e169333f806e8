using System.Globalization;
using System.Text.Json.Nodes;
using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Shadows;

/// <summary>
/// A real mosquitto client as the device. A device's broker account allows one client id (its own), so a device that
/// publishes a request and waits for the answer must do both on one connection: mosquitto_rr does exactly that
/// (subscribes to the answer topic, then publishes the request).
/// </summary>
public static class MosquittoDevice
{
    /// <summary>Publishes <paramref name="request"/> on <paramref name="topic"/> and returns the first message on <paramref name="answerTopic"/>.</summary>
    public static async Task<JsonObject> RequestAsync(
        StackFixture stack, DeviceCredentials device, string topic, string answerTopic, string request, int timeoutSeconds = 15)
    {
        var result = await ProcessRunner.RunAsync("mosquitto_rr",
        [
            "-h", stack.Broker.Host, "-p", stack.Broker.Port.ToString(CultureInfo.InvariantCulture),
            "-u", device.Username, "-P", device.Password, "-i", device.Username,
            "-q", "1", "-t", topic, "-e", answerTopic, "-W", timeoutSeconds.ToString(CultureInfo.InvariantCulture),
            // -m, not -s or -f: mosquitto_rr 2.0.11 sends an empty payload for those two.
            .. (request.Length == 0 ? ["-n"] : new[] { "-m", request }),
        ]);
        Assert.True(result.ExitCode == 0 && result.Output.Length > 0,
            $"No answer on {answerTopic} within {timeoutSeconds} s (exit {result.ExitCode}): {result.Error}");
        return JsonNode.Parse(result.Output)!.AsObject();
    }
}
