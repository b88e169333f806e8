using IotAspire.DeviceWorker.Mqtt;

namespace IotAspire.UnitTests.Worker;

public class AckSequencerTests
{
    private readonly AckSequencer _sequencer = new();
    private readonly List<int> _sent = [];

    private AckSequencer.Entry Arrive(int id) => _sequencer.Arrived(_ =>
    {
        lock (_sent)
        {
            _sent.Add(id);
        }

        return Task.CompletedTask;
    });

    [Fact]
    public async Task CompleteAsync_OutOfOrder_AcknowledgesInArrivalOrder()
    {
        var first = Arrive(1);
        var second = Arrive(2);
        var third = Arrive(3);

        var thirdDone = _sequencer.CompleteAsync(third, acknowledge: true, CancellationToken.None);
        var secondDone = _sequencer.CompleteAsync(second, acknowledge: true, CancellationToken.None);
        Assert.Empty(_sent); // Both wait for the first.
        Assert.False(thirdDone.IsCompleted);

        Assert.True(await _sequencer.CompleteAsync(first, acknowledge: true, CancellationToken.None));

        Assert.True(await secondDone);
        Assert.True(await thirdDone);
        Assert.Equal([1, 2, 3], _sent);
    }

    [Fact]
    public async Task CompleteAsync_MessageLeftForRedelivery_IsPassedOverWithoutHoldingUpTheNext()
    {
        var first = Arrive(1);
        var second = Arrive(2);

        Assert.False(await _sequencer.CompleteAsync(first, acknowledge: false, CancellationToken.None));
        Assert.True(await _sequencer.CompleteAsync(second, acknowledge: true, CancellationToken.None));

        Assert.Equal([2], _sent);
    }

    [Fact]
    public async Task CompleteAsync_FailedAcknowledgement_SurfacesToItsMessageAndTheNextStillGoes()
    {
        var failing = _sequencer.Arrived(_ => throw new InvalidOperationException("not connected"));
        var next = Arrive(2);
        var nextDone = _sequencer.CompleteAsync(next, acknowledge: true, CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(() => _sequencer.CompleteAsync(failing, acknowledge: true, CancellationToken.None));

        Assert.True(await nextDone);
        Assert.Equal([2], _sent);
    }

    [Fact]
    public async Task CompleteAsync_ManyConcurrentCompletions_AcknowledgesEachOnceInOrder()
    {
        var entries = Enumerable.Range(0, 2000).Select(Arrive).ToArray();

        var completions = entries
            .Select((entry, i) => (entry, i))
            .OrderBy(_ => Random.Shared.Next())
            .Select(x => Task.Run(() => _sequencer.CompleteAsync(x.entry, acknowledge: true, CancellationToken.None)))
            .ToArray();
        var results = await Task.WhenAll(completions);

        Assert.All(results, Assert.True);
        Assert.Equal(Enumerable.Range(0, 2000), _sent);
    }
}
