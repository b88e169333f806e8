using System.Diagnostics;
using System.Globalization;

namespace IotAspire.Bench.Ingest;

/// <summary>One second of a run: messages the publisher got acknowledged, and what the far side counted so far.</summary>
public sealed record LoadSample(double Seconds, long Published, long Observed);

/// <summary>
/// The measured part of a run: it starts when every device is connected plus a warm-up, and lasts the given seconds.
/// Rates are deltas over that window only.
/// </summary>
public sealed record LoadWindow(double Seconds, long Published, long Observed, IReadOnlyList<LoadSample> Samples)
{
    public double PublishedPerSecond => Published / Seconds;
    public double ObservedPerSecond => Observed / Seconds;

    public static async Task<LoadWindow> MeasureAsync(
        PublishRun run, int devices, Func<CancellationToken, Task<long>> observe, int warmupSeconds, int seconds, string label, Action onWindowStart, CancellationToken cancellationToken)
    {
        using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connecting.CancelAfter(TimeSpan.FromMinutes(2));
            while (run.Connected < devices)
            {
                await Task.Delay(100, connecting.Token);
            }
        }

        var clock = Stopwatch.StartNew();
        var samples = new List<LoadSample>();
        LoadSample? first = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (true)
        {
            var sample = new LoadSample(Math.Round(clock.Elapsed.TotalSeconds, 2), run.Sent, await observe(cancellationToken));
            samples.Add(sample);
            if (first is null && sample.Seconds >= warmupSeconds)
            {
                first = sample;
                onWindowStart();
            }

            if (samples.Count % 5 == 1)
            {
                var previous = samples.Count > 5 ? samples[^6] : samples[0];
                var span = Math.Max(0.001, sample.Seconds - previous.Seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {label} t={sample.Seconds,5:F0}s published {sample.Published,10:N0} ({(sample.Published - previous.Published) / span,8:N0}/s)  observed {sample.Observed,12:N0} ({(sample.Observed - previous.Observed) / span,10:N0}/s){(first is null ? "  warm-up" : "")}"));
            }

            if (first is not null && sample.Seconds - first.Seconds >= seconds)
            {
                return new LoadWindow(sample.Seconds - first.Seconds, sample.Published - first.Published, sample.Observed - first.Observed, samples);
            }

            await timer.WaitForNextTickAsync(cancellationToken);
        }
    }

    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Waits until <paramref name="observe"/> reaches <paramref name="target"/> and settles, stops moving or the timeout;
    /// returns the seconds until its last change.
    /// </summary>
    public static async Task<(double Seconds, long Observed, bool Reached)> DrainAsync(
        Func<CancellationToken, Task<long>> observe, long target, TimeSpan quiet, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var last = await observe(cancellationToken);
        var lastChange = clock.Elapsed;
        // Past the target, until it settles too: messages whose acknowledgement the stop cut off are not in the target
        // and may still be committed; the exact check afterwards must not race them.
        while (clock.Elapsed - lastChange < (last < target ? quiet : Settle) && clock.Elapsed < timeout)
        {
            await Task.Delay(250, cancellationToken);
            var now = await observe(cancellationToken);
            if (now != last)
            {
                last = now;
                lastChange = clock.Elapsed;
            }
        }

        return (Math.Round(lastChange.TotalSeconds, 2), last, last >= target);
    }
}
