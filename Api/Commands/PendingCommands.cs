using System.Buffers;
using System.Collections.Concurrent;

namespace IotAspire.Api.Commands;

/// <summary>
/// The command requests this replica waits for, by request id. A response completes a request only when it comes
/// from the device the request went to; responses to other replicas' requests are ignored.
/// </summary>
public sealed class PendingCommands
{
    private readonly ConcurrentDictionary<string, Waiter> _waiting = new(StringComparer.Ordinal);

    public int Count => _waiting.Count;

    /// <summary>Registers before publishing, so that even an instant answer finds its waiter. Dispose to forget it.</summary>
    public PendingCommand Register(string deviceId, string requestId)
    {
        var waiter = new Waiter(deviceId, new TaskCompletionSource<CommandResult?>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_waiting.TryAdd(requestId, waiter))
        {
            throw new InvalidOperationException($"Request {requestId} is already pending.");
        }

        return new PendingCommand(waiter.Completion.Task, () => _waiting.TryRemove(requestId, out _));
    }

    /// <summary>True when this replica waited for the answer. An unreadable answer completes the request with null.</summary>
    public bool TryComplete(string deviceId, string requestId, ReadOnlySequence<byte> payload)
    {
        if (!_waiting.TryGetValue(requestId, out var waiter) || waiter.DeviceId != deviceId)
        {
            return false;
        }

        return waiter.Completion.TrySetResult(CommandResult.TryParse(payload));
    }

    private sealed record Waiter(string DeviceId, TaskCompletionSource<CommandResult?> Completion);
}

/// <summary>One awaited request; disposing it stops waiting (on answer, timeout or cancellation alike).</summary>
public sealed class PendingCommand(Task<CommandResult?> response, Action forget) : IDisposable
{
    /// <summary>The device's answer; null when the answer was not {"status":int,"payload":..}.</summary>
    public Task<CommandResult?> Response { get; } = response;

    public void Dispose() => forget();
}
