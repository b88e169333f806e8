using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace IotAspire.Simulator.Devices;

/// <summary>
/// Plausible readings of a room sensor, one device each: temperature drifting around 21 °C and pushed by a
/// thermostat mode (idle, heating, cooling), humidity wandering, a battery that drains slowly, a door that
/// opens now and then. Written in the compact telemetry shape: <c>{"ts":"…","temperature":21.3,…}</c>.
/// </summary>
public sealed class TelemetryGenerator
{
    public const int BaseMetricCount = 5;

    private readonly Random _random;
    private readonly int _valuesPerMessage;
    private readonly double[] _extraValues;
    private double _temperature;
    private double _humidity;
    private double _battery;
    private bool _doorOpen;
    private string _mode = "idle";
    private DateTime _lastTimestamp;

    public TelemetryGenerator(int valuesPerMessage, int seed)
    {
        _random = new Random(seed);
        _valuesPerMessage = valuesPerMessage;
        _temperature = 19.5 + (_random.NextDouble() * 3);
        _humidity = 35 + (_random.NextDouble() * 20);
        _battery = 70 + (_random.NextDouble() * 30);
        _extraValues = new double[Math.Max(0, valuesPerMessage - BaseMetricCount)];
        for (var i = 0; i < _extraValues.Length; i++)
        {
            _extraValues[i] = _random.NextDouble() * 100;
        }
    }

    /// <summary>Advances the state by one step and writes it as a message stamped <paramref name="now"/>.</summary>
    public byte[] Next(DateTime now)
    {
        Step();

        // Each message needs its own timestamp: (device, metric, ts) is unique in storage, so two messages
        // in the same microsecond would count as one. Postgres keeps microseconds.
        var timestamp = now.ToUniversalTime();
        if (timestamp <= _lastTimestamp)
        {
            timestamp = _lastTimestamp.AddTicks(TimeSpan.TicksPerMicrosecond);
        }

        _lastTimestamp = timestamp;

        var buffer = new ArrayBufferWriter<byte>(128 + (_valuesPerMessage * 24));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("ts", timestamp.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            WriteValues(json);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void WriteValues(Utf8JsonWriter json)
    {
        var written = 0;
        void Number(string name, double value)
        {
            if (written++ < _valuesPerMessage)
            {
                json.WriteNumber(name, Math.Round(value, 2));
            }
        }

        Number("temperature", _temperature);
        Number("humidity", _humidity);
        Number("battery", _battery);
        if (written++ < _valuesPerMessage)
        {
            json.WriteBoolean("door_open", _doorOpen);
        }

        if (written++ < _valuesPerMessage)
        {
            json.WriteString("mode", _mode);
        }

        for (var i = 0; i < _extraValues.Length; i++)
        {
            json.WriteNumber($"value_{i + 1}", Math.Round(_extraValues[i], 3));
        }
    }

    private void Step()
    {
        // Thermostat with hysteresis: heat below 20.5 °C, cool above 22 °C, idle once back near 21 °C.
        _mode = _mode switch
        {
            "heating" when _temperature >= 21.2 => "idle",
            "cooling" when _temperature <= 21.0 => "idle",
            "idle" when _temperature < 20.5 => "heating",
            "idle" when _temperature > 22.0 => "cooling",
            _ => _mode,
        };
        var push = _mode switch { "heating" => 0.08, "cooling" => -0.08, _ => 0.0 };
        _temperature += push + ((21 - _temperature) * 0.01) + Noise(0.12);

        _humidity = Math.Clamp(_humidity + ((45 - _humidity) * 0.02) + Noise(0.4), 15, 90);

        // A slow drain; a "new battery" when empty keeps long runs realistic.
        _battery -= 0.01 + (_random.NextDouble() * 0.01);
        if (_battery < 5)
        {
            _battery = 100;
        }

        if (_random.NextDouble() < (_doorOpen ? 0.3 : 0.02))
        {
            _doorOpen = !_doorOpen;
        }

        for (var i = 0; i < _extraValues.Length; i++)
        {
            _extraValues[i] += Noise(1);
        }
    }

    /// <summary>Roughly normal noise (sum of uniforms) with the given standard deviation.</summary>
    private double Noise(double sigma) =>
        (_random.NextDouble() + _random.NextDouble() + _random.NextDouble() - 1.5) * 2 * sigma;
}
