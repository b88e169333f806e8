namespace IotAspire.DeviceWorker.Mqtt;

/// <summary>
/// Sends acknowledgements in the order the messages arrived, whatever order their handling finishes in: MQTT requires
/// PUBACKs in the order of the PUBLISHes (MQTT-4.6.0-2), and a broker may count its in-flight window by that order.
/// A message that finished waits for the ones before it; one that is not to be acknowledged (left for redelivery) or
/// whose acknowledgement fails is passed over, so it never holds up the rest.
/// </summary>
public sealed class AckSequencer
{
    private readonly Queue<Entry> _arrived = new();
    private readonly Lock _gate = new();
    private bool _draining;

    /// <summary>Takes the next message in arrival order; call from the single loop that delivers messages.</summary>
    public Entry Arrived(Func<CancellationToken, Task> acknowledge)
    {
        var entry = new Entry(acknowledge);
        lock (_gate)
        {
            _arrived.Enqueue(entry);
        }

        return entry;
    }

    /// <summary>
    /// Marks the message handled: acknowledged once every earlier message is done (when <paramref name="acknowledge"/>),
    /// or passed over. The task completes when that happened: true when the acknowledgement was sent.
    /// Throws what a failed acknowledgement threw.
    /// </summary>
    public Task<bool> CompleteAsync(Entry entry, bool acknowledge, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            entry.Finish(acknowledge);
            if (_draining)
            {
                return entry.Sent; // The caller already sending will reach it.
            }

            _draining = true;
        }

        return DrainThenAwaitAsync(entry, cancellationToken);
    }

    private async Task<bool> DrainThenAwaitAsync(Entry entry, CancellationToken cancellationToken)
    {
        while (true)
        {
            Entry head;
            lock (_gate)
            {
                if (!_arrived.TryPeek(out head!) || !head.Finished)
                {
                    _draining = false;
                    break;
                }

                _arrived.Dequeue();
            }

            if (!head.Acknowledge)
            {
                head.Passed();
                continue;
            }

            try
            {
                await head.AcknowledgeAsync(cancellationToken);
                head.Acknowledged();
            }
            catch (Exception ex)
            {
                // Typically the connection dropped: the broker redelivers it. The next ones are still tried, in order.
                head.Failed(ex);
            }
        }

        return await entry.Sent;
    }

    /// <summary>One received message's place in the order.</summary>
    public sealed class Entry(Func<CancellationToken, Task> acknowledge)
    {
        private readonly TaskCompletionSource<bool> _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal bool Finished { get; private set; }

        internal bool Acknowledge { get; private set; }

        internal Task<bool> Sent => _sent.Task;

        internal Task AcknowledgeAsync(CancellationToken cancellationToken) => acknowledge(cancellationToken);

        internal void Finish(bool acknowledgeIt)
        {
            Acknowledge = acknowledgeIt;
            Finished = true;
        }

        internal void Acknowledged() => _sent.TrySetResult(true);

        internal void Passed() => _sent.TrySetResult(false);

        internal void Failed(Exception exception) => _sent.TrySetException(exception);
    }
}
