using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IotAspire.Core.Shadows;

/// <summary>
/// AWS IoT Device Shadow rules: partial merge, null deletes, arrays replaced whole, per-field metadata,
/// version +1 per accepted update, delta = desired fields that differ from reported, size and depth limits.
/// Pure functions: the store makes them atomic.
/// </summary>
public static class ShadowRules
{
    public const int MaxStateBytes = 8 * 1024;
    public const int MaxDepth = 6;
    public const int MaxClientTokenLength = 64;

    /// <summary>Parses an update request. Apps may write only desired; devices both.</summary>
    public static ShadowParseResult ParseUpdate(ReadOnlySpan<byte> payload, ShadowWriter writer)
    {
        // The JSON reader checks string contents only when they are read: invalid bytes would be stored as they came.
        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            return ShadowParseResult.Fail(ShadowError.BadRequest("Invalid JSON: the payload is not valid UTF-8"));
        }

        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException)
        {
            return ShadowParseResult.Fail(ShadowError.BadRequest("Invalid JSON"));
        }

        if (root is not JsonObject request)
        {
            return ShadowParseResult.Fail(ShadowError.BadRequest("Invalid JSON: the request must be an object"));
        }

        string? clientToken = null;
        if (request["clientToken"] is { } token)
        {
            if (token.GetValueKind() != JsonValueKind.String || token.GetValue<string>().Length > MaxClientTokenLength)
            {
                return ShadowParseResult.Fail(ShadowError.BadRequest($"clientToken must be a string of at most {MaxClientTokenLength} characters"));
            }

            clientToken = token.GetValue<string>();
        }

        long? version = null;
        if (request["version"] is { } versionNode)
        {
            if (versionNode.GetValueKind() != JsonValueKind.Number || !versionNode.AsValue().TryGetValue<long>(out var parsed) || parsed < 0)
            {
                return ShadowParseResult.Fail(ShadowError.BadRequest("Invalid version: it must be a non-negative integer", clientToken));
            }

            version = parsed;
        }

        if (!request.TryGetPropertyValue("state", out var stateNode) || stateNode is null)
        {
            return ShadowParseResult.Fail(ShadowError.BadRequest("Missing required node: state", clientToken));
        }

        if (stateNode is not JsonObject state)
        {
            return ShadowParseResult.Fail(ShadowError.BadRequest("State node must be an object", clientToken));
        }

        var update = new ShadowUpdate { Version = version, ClientToken = clientToken };
        foreach (var (name, value) in state)
        {
            switch (name)
            {
                case "desired":
                    if (!TryReadSection(value, name, clientToken, out var desired, out var desiredError))
                    {
                        return ShadowParseResult.Fail(desiredError!);
                    }

                    update.HasDesired = true;
                    update.Desired = desired;
                    break;
                case "reported" when writer == ShadowWriter.App:
                    return ShadowParseResult.Fail(ShadowError.BadRequest("Only the device reports state: an app may set state.desired only", clientToken));
                case "reported":
                    if (!TryReadSection(value, name, clientToken, out var reported, out var reportedError))
                    {
                        return ShadowParseResult.Fail(reportedError!);
                    }

                    update.HasReported = true;
                    update.Reported = reported;
                    break;
                default:
                    return ShadowParseResult.Fail(ShadowError.BadRequest($"State contains an invalid node: '{name}'", clientToken));
            }
        }

        if (!update.HasDesired && !update.HasReported)
        {
            return ShadowParseResult.Fail(ShadowError.BadRequest("State node must contain desired or reported", clientToken));
        }

        return ShadowParseResult.Ok(update);
    }

    /// <summary>Applies an update to the current shadow (null: none yet). Checks version, size and produces the messages.</summary>
    public static ShadowApplyResult Apply(ShadowState? current, ShadowUpdate update, DateTimeOffset now)
    {
        var currentVersion = current?.Version ?? 0;
        if (update.Version is { } expected && expected != currentVersion)
        {
            return ShadowApplyResult.Fail(ShadowError.Conflict(update.ClientToken));
        }

        var timestamp = now.ToUnixTimeSeconds();
        var next = current?.Clone() ?? new ShadowState();
        var acceptedState = new JsonObject();
        var acceptedMetadata = new JsonObject();

        if (update.HasDesired)
        {
            (next.Desired, next.DesiredMetadata) = MergeSection(next.Desired, next.DesiredMetadata, update.Desired, timestamp);
            acceptedState["desired"] = update.Desired?.DeepClone();
            acceptedMetadata["desired"] = update.Desired is null ? null : MetadataFor(update.Desired, timestamp);
        }

        if (update.HasReported)
        {
            (next.Reported, next.ReportedMetadata) = MergeSection(next.Reported, next.ReportedMetadata, update.Reported, timestamp);
            acceptedState["reported"] = update.Reported?.DeepClone();
            acceptedMetadata["reported"] = update.Reported is null ? null : MetadataFor(update.Reported, timestamp);
        }

        var size = StateSize(next);
        if (size > MaxStateBytes)
        {
            return ShadowApplyResult.Fail(ShadowError.TooLarge(size, update.ClientToken));
        }

        next.Version = currentVersion + 1;
        next.Timestamp = timestamp;

        var accepted = new JsonObject
        {
            ["state"] = acceptedState,
            ["metadata"] = acceptedMetadata,
            ["version"] = next.Version,
            ["timestamp"] = timestamp,
        };
        if (update.ClientToken is not null)
        {
            accepted["clientToken"] = update.ClientToken;
        }

        var documents = new JsonObject
        {
            ["previous"] = current?.ToSnapshot(),
            ["current"] = next.ToSnapshot(),
            ["timestamp"] = timestamp,
        };
        if (update.ClientToken is not null)
        {
            documents["clientToken"] = update.ClientToken;
        }

        var delta = next.Delta();
        var previousDelta = current?.Delta();
        var deltaMessage = delta is not null && !JsonNode.DeepEquals(delta, previousDelta) ? DeltaMessage(next, update.ClientToken) : null;
        return new ShadowApplyResult(next, accepted, documents, deltaMessage, DeltaCleared: delta is null && previousDelta is not null, Error: null);
    }

    /// <summary>The update/delta message of a stored state (AWS shape), or null when desired and reported agree.</summary>
    public static JsonObject? DeltaMessage(ShadowState state, string? clientToken = null)
    {
        if (state.Delta() is not { } delta)
        {
            return null;
        }

        var message = new JsonObject
        {
            ["version"] = state.Version,
            ["timestamp"] = state.Timestamp,
            ["state"] = delta,
            ["metadata"] = MetadataSubset(state.DesiredMetadata, delta),
        };
        if (clientToken is not null)
        {
            message["clientToken"] = clientToken;
        }

        return message;
    }

    /// <summary>Fields of desired that reported lacks or holds differently; objects compared field by field, arrays whole.</summary>
    public static JsonObject? Delta(JsonObject? desired, JsonObject? reported)
    {
        if (desired is null)
        {
            return null;
        }

        JsonObject? delta = null;
        foreach (var (name, want) in desired)
        {
            var have = reported?[name];
            JsonNode? difference = null;
            if (want is JsonObject wantObject && have is JsonObject haveObject)
            {
                difference = Delta(wantObject, haveObject);
            }
            else if (reported is null || !reported.ContainsKey(name) || !JsonNode.DeepEquals(want, have))
            {
                difference = want?.DeepClone();
            }

            if (difference is not null)
            {
                (delta ??= [])[name] = difference;
            }
        }

        return delta;
    }

    public static int Depth(JsonNode? node) => node switch
    {
        JsonObject obj => 1 + obj.Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonArray array => array.Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    private static bool HasNonFiniteNumber(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Any(p => HasNonFiniteNumber(p.Value)),
        JsonArray array => array.Any(HasNonFiniteNumber),
        JsonValue value when value.GetValueKind() == JsonValueKind.Number =>
            !value.TryGetValue<double>(out var number) || !double.IsFinite(number),
        _ => false,
    };

    private static bool TryReadSection(JsonNode? value, string name, string? clientToken, out JsonObject? section, out ShadowError? error)
    {
        section = null;
        error = null;
        if (value is null)
        {
            return true; // null deletes the whole section
        }

        if (value is not JsonObject obj)
        {
            error = ShadowError.BadRequest($"{name} node must be an object", clientToken);
            return false;
        }

        if (Depth(obj) > MaxDepth)
        {
            error = ShadowError.BadRequest($"JSON contains too many levels of nesting; maximum is {MaxDepth}", clientToken);
            return false;
        }

        if (HasNonFiniteNumber(obj))
        {
            // 1e400 is valid JSON but no double: readers would get Infinity, or fail to serialize the document.
            error = ShadowError.BadRequest($"{name} contains a number outside the range of a double", clientToken);
            return false;
        }

        section = obj;
        return true;
    }

    private static (JsonObject? State, JsonObject? Metadata) MergeSection(JsonObject? state, JsonObject? metadata, JsonObject? patch, long timestamp)
    {
        if (patch is null)
        {
            return (null, null);
        }

        state ??= [];
        metadata ??= [];
        Merge(state, metadata, patch, timestamp);
        return state.Count == 0 ? (null, null) : (state, metadata);
    }

    private static void Merge(JsonObject state, JsonObject metadata, JsonObject patch, long timestamp)
    {
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                state.Remove(name);
                metadata.Remove(name);
            }
            else if (value is JsonObject patchObject)
            {
                if (state[name] is not JsonObject target)
                {
                    state[name] = target = [];
                    metadata[name] = null;
                }

                if (metadata[name] is not JsonObject targetMetadata)
                {
                    metadata[name] = targetMetadata = [];
                }

                Merge(target, targetMetadata, patchObject, timestamp);
                if (target.Count == 0)
                {
                    state.Remove(name);
                    metadata.Remove(name);
                }
            }
            else
            {
                state[name] = value.DeepClone();
                metadata[name] = MetadataFor(value, timestamp);
            }
        }
    }

    /// <summary>{"timestamp":t} per leaf; objects nest; arrays get one entry per element (AWS).</summary>
    private static JsonNode? MetadataFor(JsonNode? value, long timestamp) => value switch
    {
        null => null,
        JsonObject obj => new JsonObject(obj.Where(p => p.Value is not null).Select(p => KeyValuePair.Create(p.Key, MetadataFor(p.Value, timestamp)))),
        JsonArray array => new JsonArray(array.Select(item => item is JsonObject ? MetadataFor(item, timestamp) : new JsonObject { ["timestamp"] = timestamp }).ToArray()),
        _ => new JsonObject { ["timestamp"] = timestamp },
    };

    private static JsonObject MetadataSubset(JsonObject? metadata, JsonObject delta)
    {
        var subset = new JsonObject();
        foreach (var (name, value) in delta)
        {
            var meta = metadata?[name];
            subset[name] = value is JsonObject nested && meta is JsonObject nestedMeta
                ? MetadataSubset(nestedMeta, nested)
                : meta?.DeepClone();
        }

        return subset;
    }

    private static int StateSize(ShadowState state)
    {
        var section = new JsonObject
        {
            ["desired"] = state.Desired?.DeepClone(),
            ["reported"] = state.Reported?.DeepClone(),
        };
        return Encoding.UTF8.GetByteCount(section.ToJsonString());
    }
}
