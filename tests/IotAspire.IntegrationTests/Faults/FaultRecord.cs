using System.Text.Json;
using Xunit.Abstractions;

namespace IotAspire.IntegrationTests.Faults;

/// <summary>
/// One row of the fault table: what was acknowledged, what was stored, and how long the way back took: until the process
/// was back and healthy, until every device had a message acknowledged again (both counted from the fault), and until
/// everything acknowledged was stored (counted from the last message).
/// </summary>
public sealed record FaultRecord(
    string Fault, long Acknowledged, long Stored, double CameBackSeconds, double FlowingAgainSeconds, double AllStoredSeconds, string Notes)
{
    private static readonly string File = Path.Combine(AppContext.BaseDirectory, "logs", $"faults-{DateTime.UtcNow:yyyyMMdd-HHmmss}.jsonl");
    private static readonly Lock Writing = new();

    /// <summary>Appends the row to this run's logs/faults-*.jsonl (the README's table is made from it) and returns it.</summary>
    public FaultRecord Save(ITestOutputHelper output)
    {
        var line = JsonSerializer.Serialize(this);
        output.WriteLine(line);
        lock (Writing)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(File)!);
            System.IO.File.AppendAllText(File, line + Environment.NewLine);
        }

        return this;
    }
}
