using System.Text.Json.Nodes;

namespace IotAspire.Core.Shadows;

/// <summary>
/// A device's shadow as stored: desired and reported state, per-field metadata, version and last-update time.
/// Follows AWS IoT Device Shadow semantics (classic, unnamed shadow).
/// </summary>
public sealed class ShadowState
{
    public JsonObject? Desired { get; set; }
    public JsonObject? Reported { get; set; }
    public JsonObject? DesiredMetadata { get; set; }
    public JsonObject? ReportedMetadata { get; set; }
    public long Version { get; set; }

    /// <summary>Unix seconds of the last accepted update.</summary>
    public long Timestamp { get; set; }

    public ShadowState Clone() => new()
    {
        Desired = Desired?.DeepClone().AsObject(),
        Reported = Reported?.DeepClone().AsObject(),
        DesiredMetadata = DesiredMetadata?.DeepClone().AsObject(),
        ReportedMetadata = ReportedMetadata?.DeepClone().AsObject(),
        Version = Version,
        Timestamp = Timestamp,
    };

    /// <summary>desired fields that differ from reported (null when none), as AWS computes it.</summary>
    public JsonObject? Delta() => ShadowRules.Delta(Desired, Reported);

    /// <summary>The storage form: the full document without the derived delta.</summary>
    public JsonObject ToStorage() => new()
    {
        ["state"] = Section(Desired?.DeepClone(), Reported?.DeepClone()),
        ["metadata"] = Section(DesiredMetadata?.DeepClone(), ReportedMetadata?.DeepClone()),
        ["version"] = Version,
        ["timestamp"] = Timestamp,
    };

    public static ShadowState FromStorage(JsonObject document) => new()
    {
        Desired = document["state"]?["desired"]?.DeepClone().AsObject(),
        Reported = document["state"]?["reported"]?.DeepClone().AsObject(),
        DesiredMetadata = document["metadata"]?["desired"]?.DeepClone().AsObject(),
        ReportedMetadata = document["metadata"]?["reported"]?.DeepClone().AsObject(),
        Version = document["version"]?.GetValue<long>() ?? 0,
        Timestamp = document["timestamp"]?.GetValue<long>() ?? 0,
    };

    /// <summary>The document a get returns: state (with delta), metadata, version, timestamp.</summary>
    public JsonObject ToDocument(string? clientToken = null)
    {
        var state = Section(Desired?.DeepClone(), Reported?.DeepClone());
        var delta = Delta();
        if (delta is not null)
        {
            state["delta"] = delta;
        }

        var document = new JsonObject
        {
            ["state"] = state,
            ["metadata"] = Section(DesiredMetadata?.DeepClone(), ReportedMetadata?.DeepClone()),
            ["version"] = Version,
            ["timestamp"] = Timestamp,
        };
        if (clientToken is not null)
        {
            document["clientToken"] = clientToken;
        }

        return document;
    }

    /// <summary>The previous/current form of update/documents: state without delta.</summary>
    public JsonObject ToSnapshot() => new()
    {
        ["state"] = Section(Desired?.DeepClone(), Reported?.DeepClone()),
        ["metadata"] = Section(DesiredMetadata?.DeepClone(), ReportedMetadata?.DeepClone()),
        ["version"] = Version,
    };

    private static JsonObject Section(JsonNode? desired, JsonNode? reported)
    {
        var section = new JsonObject();
        if (desired is not null)
        {
            section["desired"] = desired;
        }

        if (reported is not null)
        {
            section["reported"] = reported;
        }

        return section;
    }
}
