using System.Globalization;

namespace IotAspire.Dashboard.Components.Shared;

/// <summary>How the pages write times and values. "12 s ago", "3 min ago", "2 h ago", "5 d ago": times the way a fleet list shows them.</summary>
public static class Display
{
    public static string Ago(DateTime? time, DateTimeOffset now)
    {
        if (time is not { } at)
        {
            return "never";
        }

        var span = now - new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc));
        return span.TotalSeconds < 1 ? "just now"
            : span.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalSeconds} s ago")
            : span.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min ago")
            : span.TotalDays < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h ago")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays} d ago");
    }

    /// <summary>A value as a short text: numbers with up to 2 decimals, booleans as on/off, strings as they are.</summary>
    public static string Value(System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Number => value.GetDouble().ToString("0.##", CultureInfo.InvariantCulture),
        System.Text.Json.JsonValueKind.True => "true",
        System.Text.Json.JsonValueKind.False => "false",
        System.Text.Json.JsonValueKind.String => value.GetString() ?? "",
        _ => value.GetRawText(),
    };
}
