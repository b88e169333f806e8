using System.Text.Json.Nodes;

namespace IotAspire.Dashboard.Components.Pages.Devices;

/// <summary>One command sent in this session and how it ended.</summary>
public sealed record SentCommand(string DeviceId, string Name, string Payload, int TimeoutSeconds, DateTimeOffset SentAt)
{
    public TimeSpan? Took { get; init; }
    public int? Status { get; init; }
    public JsonNode? Answer { get; init; }

    /// <summary>The Api's problem in words: offline (404), no answer in time (504), not allowed.</summary>
    public string? Failure { get; init; }

    public bool Pending => Took is null;
}

/// <summary>The commands of this session (one per circuit, so they survive moving between pages), newest first.</summary>
public sealed class CommandHistory
{
    private const int MaxEntries = 50;
    private readonly List<SentCommand> _sent = [];

    public IReadOnlyList<SentCommand> For(string deviceId) => _sent.Where(c => c.DeviceId == deviceId).ToList();

    public void Add(SentCommand command)
    {
        _sent.Insert(0, command);
        if (_sent.Count > MaxEntries)
        {
            _sent.RemoveAt(_sent.Count - 1);
        }
    }

    public void Replace(SentCommand sent, SentCommand done)
    {
        var index = _sent.IndexOf(sent);
        if (index >= 0)
        {
            _sent[index] = done;
        }
    }
}
