using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace IotAspire.Api.Apis;

/// <summary>
/// The shadow's HTTP validators: ETag is the quoted version; If-Match carries the version an update expects
/// (the same check as the body's "version", so a stale one is a 409 like AWS's, not a 412).
/// </summary>
public static class ShadowConditions
{
    public static string ETag(long version) => "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// The expected version from If-Match: null when absent or "*"; false when it is not one quoted version.
    /// A weak validator (W/"3") is accepted: the version is the whole identity of a shadow document.
    /// </summary>
    public static bool TryParseIfMatch(StringValues header, out long? version)
    {
        version = null;
        var values = header.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (values.Count == 0 || values is ["*"])
        {
            return true;
        }

        if (values.Count != 1)
        {
            return false;
        }

        var tag = values[0].StartsWith("W/", StringComparison.Ordinal) ? values[0][2..] : values[0];
        if (tag.Length < 3 || tag[0] != '"' || tag[^1] != '"'
            || !long.TryParse(tag.AsSpan(1, tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        version = parsed;
        return true;
    }

    /// <summary>True when If-None-Match names the current version (or is "*"): the client's copy is current.</summary>
    public static bool IfNoneMatchHits(StringValues header, long version)
    {
        var etag = ETag(version);
        return header.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Any(tag => tag == "*" || tag == etag || tag == "W/" + etag);
    }
}
