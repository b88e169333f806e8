using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace IotAspire.Api.Data;

/// <summary>How <c>GET /api/devices</c> orders its pages. Each order ends on the device id, so keyset paging never skips or repeats.</summary>
public enum DeviceSort
{
    /// <summary>By id; the cursor is the last id (the original 'after').</summary>
    Id,

    /// <summary>By name, then id.</summary>
    Name,

    /// <summary>Most recently seen first (never seen last), then id.</summary>
    LastSeen,
}

/// <summary>Which devices <c>GET /api/devices</c> lists: by presence as the worker recorded it in the registry, or revoked.</summary>
public enum DeviceStatusFilter { All, Online, Offline, Revoked }

/// <summary>
/// The keyset cursor of an order: the id alone for <see cref="DeviceSort.Id"/>; else the sort key and the id,
/// "{key}.{id}", where the key is base64url (a name) or UTC ticks ("-" for never seen), neither of which holds a '.'.
/// </summary>
public sealed record DeviceCursor(string? Name, DateTime? LastSeen, string Id)
{
    private const string Never = "-";

    public static string Encode(DeviceSort sort, DeviceRow row) => sort switch
    {
        DeviceSort.Name => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(row.Name)) + "." + row.DeviceId,
        DeviceSort.LastSeen => (row.LastSeen is { } seen ? seen.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture) : Never) + "." + row.DeviceId,
        _ => row.DeviceId,
    };

    public static bool TryDecode(DeviceSort sort, string text, out DeviceCursor? cursor)
    {
        cursor = null;
        if (sort == DeviceSort.Id)
        {
            cursor = new DeviceCursor(null, null, text);
            return Core.Protocol.DeviceId.IsValid(text);
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !Core.Protocol.DeviceId.IsValid(text[(dot + 1)..]))
        {
            return false;
        }

        var key = text[..dot];
        var id = text[(dot + 1)..];
        if (sort == DeviceSort.Name)
        {
            try
            {
                cursor = new DeviceCursor(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(key)), null, id);
                return true;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        if (key == Never)
        {
            cursor = new DeviceCursor(null, null, id);
            return true;
        }

        if (long.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTime.MaxValue.Ticks)
        {
            cursor = new DeviceCursor(null, new DateTime(ticks, DateTimeKind.Utc), id);
            return true;
        }

        return false;
    }
}
