namespace IotAspire.Dashboard.Charts;

/// <summary>The time-range picker's choices: a span back from now (live), or fixed bounds (custom, or a zoom).</summary>
public sealed record ChartRange(string Label, TimeSpan? LastSpan, DateTimeOffset? From = null, DateTimeOffset? To = null)
{
    public static readonly IReadOnlyList<ChartRange> Presets =
    [
        new("Last 15 min", TimeSpan.FromMinutes(15)),
        new("Last hour", TimeSpan.FromHours(1)),
        new("Last day", TimeSpan.FromDays(1)),
        new("Last week", TimeSpan.FromDays(7)),
        new("Last 30 days", TimeSpan.FromDays(30)),
    ];

    /// <summary>A range that ends now follows the live data; a fixed one stays put.</summary>
    public bool IsLive => LastSpan is not null;

    public (DateTimeOffset From, DateTimeOffset To) Resolve(DateTimeOffset now) =>
        LastSpan is { } span ? (now - span, now) : (From!.Value, To!.Value);

    public static ChartRange Custom(DateTimeOffset from, DateTimeOffset to) =>
        new($"{from.ToLocalTime():g} – {to.ToLocalTime():g}", null, from, to);
}
