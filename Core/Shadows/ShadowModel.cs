using System.Text.Json.Nodes;

namespace IotAspire.Core.Shadows;

/// <summary>Who writes: the device (desired and reported) or an app through the Api (desired only).</summary>
public enum ShadowWriter
{
    Device,
    App,
}

/// <summary>A parsed update request. Has* tells a present section from an absent one (null deletes the section).</summary>
public sealed class ShadowUpdate
{
    public bool HasDesired { get; set; }
    public JsonObject? Desired { get; set; }
    public bool HasReported { get; set; }
    public JsonObject? Reported { get; set; }
    public long? Version { get; init; }
    public string? ClientToken { get; init; }

    /// <summary>
    /// Identifies a request with a clientToken (null without one): the same token with the same content is the same
    /// request sent again (an MQTT redelivery, an HTTP retry), which must not be applied twice.
    /// </summary>
    public string? RequestFingerprint()
    {
        if (ClientToken is null)
        {
            return null;
        }

        var text = string.Join('\n', ClientToken, Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            HasDesired ? Desired?.ToJsonString() ?? "null" : "", HasReported ? Reported?.ToJsonString() ?? "null" : "");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>AWS's error document: {code, message, timestamp, clientToken}.</summary>
public sealed record ShadowError(int Code, string Message, string? ClientToken)
{
    public static ShadowError BadRequest(string message, string? clientToken = null) => new(400, message, clientToken);

    public static ShadowError Conflict(string? clientToken) => new(409, "Version conflict", clientToken);

    public static ShadowError TooLarge(int size, string? clientToken) =>
        new(413, $"The payload exceeds the maximum size allowed: the state is {size} bytes, the limit {ShadowRules.MaxStateBytes}", clientToken);

    public static ShadowError NotFound(string? clientToken = null) => new(404, "No shadow exists with name: ''", clientToken);

    public JsonObject ToDocument(DateTimeOffset now)
    {
        var document = new JsonObject { ["code"] = Code, ["message"] = Message, ["timestamp"] = now.ToUnixTimeSeconds() };
        if (ClientToken is not null)
        {
            document["clientToken"] = ClientToken;
        }

        return document;
    }
}

public sealed record ShadowParseResult(ShadowUpdate? Update, ShadowError? Error)
{
    public static ShadowParseResult Ok(ShadowUpdate update) => new(update, null);

    public static ShadowParseResult Fail(ShadowError error) => new(null, error);
}

/// <summary>
/// The outcome of an accepted update: the new state and the three messages AWS publishes (accepted,
/// documents, and delta when desired and reported differ anew), or an error.
/// </summary>
public sealed record ShadowApplyResult(
    ShadowState? State,
    JsonObject? Accepted,
    JsonObject? Documents,
    JsonObject? DeltaMessage,
    bool DeltaCleared,
    ShadowError? Error)
{
    /// <summary>
    /// The request was applied before (same clientToken and content, within <see cref="ShadowRequestWindow"/>): nothing
    /// changed now; <see cref="Accepted"/> is the first answer again, <see cref="State"/> the current state.
    /// </summary>
    public bool Repeated { get; init; }

    public static ShadowApplyResult Fail(ShadowError error) => new(null, null, null, null, false, error);

    public static ShadowApplyResult Repeat(ShadowState? current, JsonObject firstAnswer) =>
        new(current, firstAnswer, null, null, false, null) { Repeated = true };
}

/// <summary>How long an accepted request with a clientToken is remembered, so that the same request sent again is answered, not applied again.</summary>
public static class ShadowRequestWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(10);
}
