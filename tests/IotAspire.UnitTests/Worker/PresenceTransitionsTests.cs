using IotAspire.DeviceWorker.Presence;

namespace IotAspire.UnitTests.Worker;

public sealed class PresenceTransitionsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_NoRecordYet_Applies(bool online) =>
        Assert.Equal(PresenceDecision.Apply, PresenceTransitions.Decide(null, online, T0));

    [Theory]
    [InlineData(true, 5)]
    [InlineData(false, 5)]
    [InlineData(true, -5)]
    public void Decide_SameStateAgain_IsUnchangedWhateverItsTime(bool online, int secondsLater) =>
        Assert.Equal(PresenceDecision.Unchanged, PresenceTransitions.Decide(new PresenceState(online, T0), online, T0.AddSeconds(secondsLater)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_NewerOtherState_Applies(bool online) =>
        Assert.Equal(PresenceDecision.Apply, PresenceTransitions.Decide(new PresenceState(!online, T0), online, T0.AddMilliseconds(1)));

    [Fact]
    public void Decide_OtherStateAtTheSameMillisecond_Applies() =>
        Assert.Equal(PresenceDecision.Apply, PresenceTransitions.Decide(new PresenceState(true, T0), false, T0));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Decide_OlderOtherState_IsStale(bool online) =>
        Assert.Equal(PresenceDecision.Stale, PresenceTransitions.Decide(new PresenceState(!online, T0), online, T0.AddMilliseconds(-1)));

    [Fact]
    public void Decide_ReconnectCycle_AppliesEachChangeAndIgnoresTheRepeatedRetainedStatus()
    {
        PresenceState? state = null;
        var steps = new (bool Online, int Second, PresenceDecision Expected)[]
        {
            (true, 0, PresenceDecision.Apply),      // connects, publishes retained online
            (true, 3, PresenceDecision.Unchanged),  // the retained online again (worker reconnected)
            (false, 10, PresenceDecision.Apply),    // Last Will
            (true, 8, PresenceDecision.Stale),      // an older online handled late
            (true, 12, PresenceDecision.Apply),     // back again
        };

        foreach (var (online, second, expected) in steps)
        {
            var at = T0.AddSeconds(second);
            var decision = PresenceTransitions.Decide(state, online, at);
            Assert.Equal(expected, decision);
            if (decision == PresenceDecision.Apply)
            {
                state = new PresenceState(online, at);
            }
        }

        Assert.Equal(new PresenceState(true, T0.AddSeconds(12)), state);
    }
}
