using System.Globalization;

namespace IotAspire.Core.Telemetry;

public enum TelemetryValueKind
{
    Number,
    Boolean,
    Text,
}

/// <summary>One measured value: a number, a boolean or a string, exactly as the device sent it.</summary>
public readonly record struct TelemetryValue
{
    private TelemetryValue(TelemetryValueKind kind, double number, bool boolean, string? text)
    {
        Kind = kind;
        Number = number;
        Boolean = boolean;
        Text = text;
    }

    public TelemetryValueKind Kind { get; }

    /// <summary>Set when <see cref="Kind"/> is <see cref="TelemetryValueKind.Number"/>.</summary>
    public double Number { get; }

    /// <summary>Set when <see cref="Kind"/> is <see cref="TelemetryValueKind.Boolean"/>.</summary>
    public bool Boolean { get; }

    /// <summary>Set when <see cref="Kind"/> is <see cref="TelemetryValueKind.Text"/>.</summary>
    public string? Text { get; }

    public static TelemetryValue FromNumber(double value) => new(TelemetryValueKind.Number, value, false, null);

    public static TelemetryValue FromBoolean(bool value) => new(TelemetryValueKind.Boolean, 0, value, null);

    public static TelemetryValue FromText(string value) => new(TelemetryValueKind.Text, 0, false, value);

    public override string ToString() => Kind switch
    {
        TelemetryValueKind.Number => Number.ToString(CultureInfo.InvariantCulture),
        TelemetryValueKind.Boolean => Boolean ? "true" : "false",
        _ => Text ?? "",
    };
}
