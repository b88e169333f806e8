using System.Diagnostics;
using IotAspire.Core.Telemetry;

namespace IotAspire.DeviceWorker.Telemetry;

public enum WriteOutcome
{
    Written,
    DeviceNotRegistered,
}

/// <summary>One message's points waiting for the commit queue; <see cref="Completion"/> completes after the commit.</summary>
public sealed class PendingWrite(string deviceId, IReadOnlyList<TelemetryPoint> points, DateTimeOffset receivedAt, ActivityContext traceContext)
{
    private readonly TaskCompletionSource<WriteOutcome> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string DeviceId { get; } = deviceId;

    public IReadOnlyList<TelemetryPoint> Points { get; } = points;

    public DateTimeOffset ReceivedAt { get; } = receivedAt;

    public ActivityContext TraceContext { get; } = traceContext;

    public Task<WriteOutcome> Completion => _completion.Task;

    public void Complete(WriteOutcome outcome) => _completion.TrySetResult(outcome);

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
