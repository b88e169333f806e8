using System.Diagnostics;
using System.Text.Json;
using IotAspire.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace IotAspire.Bench.Latency;

/// <summary>
/// A SignalR .NET client on the Api's <c>/hubs/devices</c>, subscribed to the measured devices. Each <c>telemetry</c>
/// event is stamped on arrival and matched to the published message by its <c>seq</c> value, wherever the event
/// carries it (<c>"seq":n</c> or <c>{"name":"seq","value":n}</c>), so the event's exact shape does not matter.
/// </summary>
public sealed class HubListener : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly SentLedger _ledger;
    private readonly Lock _gate = new();
    private readonly List<TimedLatency> _latencies = new(100_000);
    private long _events;
    private long _matched;
    private long _duplicates;
    private long _foreign;
    private long _withoutSequence;
    private long _unknownSequence;
    private long _shadowEvents;
    private long _presenceEvents;
    private string? _firstUnmatched;

    private HubListener(HubConnection connection, SentLedger ledger)
    {
        _connection = connection;
        _ledger = ledger;
        connection.On<JsonElement>("telemetry", OnTelemetry);
        connection.On<JsonElement>("shadow", _ => Interlocked.Increment(ref _shadowEvents));
        connection.On<JsonElement>("presence", _ => Interlocked.Increment(ref _presenceEvents));
    }

    public static async Task<HubListener> ConnectAsync(Uri api, RealmTokens tokens, SentLedger ledger, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(api, "/hubs/devices"), options => options.AccessTokenProvider = async () => await tokens.GetServiceAsync())
            .Build();
        var listener = new HubListener(connection, ledger);
        await connection.StartAsync(cancellationToken);
        return listener;
    }

    public async Task SubscribeAsync(IEnumerable<string> deviceIds, CancellationToken cancellationToken)
    {
        foreach (var id in deviceIds)
        {
            await _connection.InvokeAsync("Subscribe", id, cancellationToken);
        }
    }

    public long Events => Interlocked.Read(ref _events);
    public long Matched => Interlocked.Read(ref _matched);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Foreign => Interlocked.Read(ref _foreign);
    public long WithoutSequence => Interlocked.Read(ref _withoutSequence);
    public long UnknownSequence => Interlocked.Read(ref _unknownSequence);
    public long ShadowEvents => Interlocked.Read(ref _shadowEvents);
    public long PresenceEvents => Interlocked.Read(ref _presenceEvents);

    /// <summary>The first telemetry event without a known seq, to show what shape arrived.</summary>
    public string? FirstUnmatched => _firstUnmatched;

    /// <summary>Latencies of messages published inside the window, in arrival order.</summary>
    public List<TimedLatency> WindowLatencies()
    {
        lock (_gate)
        {
            return [.. _latencies];
        }
    }

    private void OnTelemetry(JsonElement data)
    {
        var arrived = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _events);
        var sequences = new List<long>(1);
        FindSequences(data, sequences);
        if (sequences.Count == 0)
        {
            Interlocked.Increment(ref _withoutSequence);
            Interlocked.CompareExchange(ref _firstUnmatched, Truncate(data.GetRawText()), null);
            return;
        }

        foreach (var sequence in sequences)
        {
            var sent = _ledger.Find(sequence);
            if (sent is null)
            {
                Interlocked.Increment(ref _unknownSequence);
                Interlocked.CompareExchange(ref _firstUnmatched, Truncate(data.GetRawText()), null);
                continue;
            }

            if (!sent.Subscribed)
            {
                Interlocked.Increment(ref _foreign);
                continue;
            }

            if (!sent.MarkReceived())
            {
                Interlocked.Increment(ref _duplicates);
                continue;
            }

            Interlocked.Increment(ref _matched);
            if (sent.InWindow)
            {
                var milliseconds = Stopwatch.GetElapsedTime(sent.SentAt, arrived).TotalMilliseconds;
                lock (_gate)
                {
                    _latencies.Add(new TimedLatency(sent.SentAt, milliseconds));
                }
            }
        }
    }

    /// <summary>Every <c>"seq": n</c> property and every <c>{"name"|"metric": "seq", "value": n}</c> object, at any depth.</summary>
    internal static void FindSequences(JsonElement element, List<long> found)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (IsSequencePair(element, out var paired))
                {
                    found.Add(paired);
                    return;
                }

                foreach (var property in element.EnumerateObject())
                {
                    if (property.NameEquals("seq") && property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out var value))
                    {
                        found.Add((long)value);
                    }
                    else
                    {
                        FindSequences(property.Value, found);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    FindSequences(item, found);
                }

                break;
        }
    }

    private static bool IsSequencePair(JsonElement element, out long sequence)
    {
        sequence = 0;
        var named = (element.TryGetProperty("name", out var name) || element.TryGetProperty("metric", out name))
            && name.ValueKind == JsonValueKind.String && name.ValueEquals("seq");
        if (!named || !element.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            return false;
        }

        sequence = (long)number;
        return true;
    }

    private static string Truncate(string text) => text.Length > 600 ? text[..600] + "…" : text;

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}

/// <summary>One message's latency (ms) and when it was published (Stopwatch ticks).</summary>
public readonly record struct TimedLatency(long SentAt, double Milliseconds);
