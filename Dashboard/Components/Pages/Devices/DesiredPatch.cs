using System.Text.Json.Nodes;

namespace IotAspire.Dashboard.Components.Pages.Devices;

/// <summary>
/// The shadow update that turns the desired document the user started from into the one they wrote: the Api merges
/// partially (AWS semantics), so a key the user removed is sent as null, recursively; arrays are replaced whole.
/// </summary>
public static class DesiredPatch
{
    public static JsonObject Between(JsonObject? before, JsonObject after)
    {
        var patch = new JsonObject();
        foreach (var (key, value) in after)
        {
            if (before?[key] is JsonObject oldObject && value is JsonObject newObject)
            {
                var inner = Between(oldObject, newObject);
                if (inner.Count > 0)
                {
                    patch[key] = inner;
                }
            }
            else if (before is null || !before.ContainsKey(key) || !JsonNode.DeepEquals(before[key], value))
            {
                patch[key] = value?.DeepClone();
            }
        }

        foreach (var (key, _) in before ?? [])
        {
            if (!after.ContainsKey(key))
            {
                patch[key] = null;
            }
        }

        return patch;
    }
}
