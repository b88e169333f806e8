using System.Globalization;

namespace IotAspire.Bench.Infrastructure;

/// <summary>"--name value" pairs and "--flag" switches; unknown names are an error so a typo never goes unnoticed.</summary>
public sealed class BenchArguments
{
    private readonly Dictionary<string, string?> _values;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private BenchArguments(Dictionary<string, string?> values) => _values = values;

    public static BenchArguments Parse(IEnumerable<string> args)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null)
                {
                    values[pending] = null;
                }

                var equals = arg.IndexOf('=', StringComparison.Ordinal);
                if (equals > 0)
                {
                    values[arg[2..equals]] = arg[(equals + 1)..];
                    pending = null;
                }
                else
                {
                    pending = arg[2..];
                }
            }
            else if (pending is not null)
            {
                values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }
        }

        if (pending is not null)
        {
            values[pending] = null;
        }

        return new BenchArguments(values);
    }

    public int Int(string name, int fallback) => (int)Double(name, fallback);

    public double Double(string name, double fallback)
    {
        var text = String(name, null);
        if (text is null)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"--{name} must be a number, not '{text}'.");
    }

    public string? String(string name, string? fallback)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var value) ? value ?? throw new ArgumentException($"--{name} needs a value.") : fallback;
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _values.ContainsKey(name);
    }

    /// <summary>Call after reading every option: names nobody asked for are typos.</summary>
    public void EnsureAllKnown()
    {
        var unknown = _values.Keys.Where(key => !_read.Contains(key)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
        }
    }
}
