namespace IotAspire.Core.Telemetry;

/// <summary>Either the points of a whole message, or the reason the whole message was rejected.</summary>
public sealed class TelemetryParseResult
{
    private TelemetryParseResult(IReadOnlyList<TelemetryPoint> points, string? rejection)
    {
        Points = points;
        Rejection = rejection;
    }

    public IReadOnlyList<TelemetryPoint> Points { get; }

    /// <summary>Why the message was rejected; null when it was accepted.</summary>
    public string? Rejection { get; }

    public bool IsAccepted => Rejection is null;

    public static TelemetryParseResult Accepted(IReadOnlyList<TelemetryPoint> points) => new(points, null);

    public static TelemetryParseResult Rejected(string reason) => new([], reason);
}
