namespace IotAspire.Bench.Reporting;

/// <summary>A plain-text table for the console, columns sized to their content; numbers right-aligned.</summary>
public sealed class ConsoleTable(string title, params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public ConsoleTable Add(params object?[] cells)
    {
        _rows.Add(cells.Select(Format).ToArray());
        return this;
    }

    public void Print()
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Count == 0 ? 0 : _rows.Max(r => r.ElementAtOrDefault(i)?.Length ?? 0))).ToArray();
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine("| " + string.Join(" | ", headers.Select((h, i) => h.PadRight(widths[i]))) + " |");
        Console.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var row in _rows)
        {
            var cells = widths.Select((w, i) =>
            {
                var cell = row.ElementAtOrDefault(i) ?? "";
                return IsNumber(cell) ? cell.PadLeft(w) : cell.PadRight(w);
            });
            Console.WriteLine("| " + string.Join(" | ", cells) + " |");
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString(Math.Abs(d) >= 100 ? "N0" : "N2", System.Globalization.CultureInfo.InvariantCulture),
        long or int => string.Format(System.Globalization.CultureInfo.InvariantCulture, "{0:N0}", value),
        _ => value.ToString() ?? "",
    };

    private static bool IsNumber(string cell) => cell.Length > 0 && (char.IsDigit(cell[0]) || (cell[0] == '-' && cell.Length > 1));
}
