using System.Diagnostics;
using System.Text.Json;

namespace IotAspire.Bench.Query;

/// <summary>Latencies of one request, timed from send to the last byte of the body, sequentially (one client, warm cache).</summary>
public sealed record LatencyResult(string Name, string Url, int Status, int Requests, double P50, double P95, double P99, double Max, double Mean,
    long ResponseBytes, string Shape, string? Error)
{
    public static LatencyResult From(string name, string url, int status, List<double> milliseconds, long bytes, string shape, string? error)
    {
        milliseconds.Sort();
        double At(double q) => milliseconds.Count == 0 ? double.NaN : milliseconds[Math.Min(milliseconds.Count - 1, (int)Math.Ceiling(q * milliseconds.Count) - 1)];
        return new LatencyResult(name, url, status, milliseconds.Count, Math.Round(At(0.50), 2), Math.Round(At(0.95), 2), Math.Round(At(0.99), 2),
            Math.Round(At(1.0), 2), milliseconds.Count == 0 ? double.NaN : Math.Round(milliseconds.Average(), 2), bytes, shape, error);
    }
}

public static class LatencyProbe
{
    public static async Task<LatencyResult> MeasureHttpAsync(HttpClient http, string name, string url, int warmup, int requests, CancellationToken cancellationToken)
    {
        // The first answer is checked and described (resolution, series, points or buckets) so a wrong URL is obvious.
        using (var first = await http.GetAsync(url, cancellationToken))
        {
            var body = await first.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!first.IsSuccessStatusCode)
            {
                var text = System.Text.Encoding.UTF8.GetString(body);
                return LatencyResult.From(name, url, (int)first.StatusCode, [], body.Length, "", text.Length > 400 ? text[..400] : text);
            }
        }

        for (var i = 0; i < warmup; i++)
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }

        var timings = new List<double>(requests);
        long bytes = 0;
        var shape = "";
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            timings.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (!response.IsSuccessStatusCode)
            {
                // A fast error answer (a 429, say) would pass for a fast query: the whole measurement is void.
                return LatencyResult.From(name, url, (int)response.StatusCode, [], body.Length, "",
                    $"request {i + 1} of {requests} answered {(int)response.StatusCode}");
            }

            if (i == 0)
            {
                bytes = body.Length;
                shape = Describe(body);
            }
        }

        return LatencyResult.From(name, url, 200, timings, bytes, shape, null);
    }

    /// <summary>The same question asked of PostgreSQL directly (Npgsql, all rows read): what the database alone takes.</summary>
    public static async Task<LatencyResult> MeasureSqlAsync(Npgsql.NpgsqlDataSource dataSource, string name, string sql, object[] parameters, int warmup, int requests,
        CancellationToken cancellationToken)
    {
        var timings = new List<double>(requests);
        long rows = 0;
        for (var i = 0; i < warmup + requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await using var command = dataSource.CreateCommand(sql);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = parameter });
            }

            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            rows = 0;
            while (await reader.ReadAsync(cancellationToken))
            {
                rows++;
            }

            if (i >= warmup)
            {
                timings.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
        }

        return LatencyResult.From(name, sql.ReplaceLineEndings(" "), 0, timings, 0, $"{rows:N0} rows", null);
    }

    /// <summary>"raw: temperature 10,000 points (next)" / "1h: 5 series x 720 buckets".</summary>
    private static string Describe(byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var resolution = root.TryGetProperty("resolution", out var r) ? r.ToString() : "?";
            if (!root.TryGetProperty("series", out var series))
            {
                return root.TryGetProperty("points", out var points) ? $"points: {points.GetArrayLength():N0}" : "unknown shape";
            }

            var parts = series.EnumerateArray().Select(s =>
            {
                var items = s.TryGetProperty("points", out var p) ? p : s.TryGetProperty("buckets", out var b) ? b : default;
                var kind = s.TryGetProperty("points", out _) ? "points" : "buckets";
                var next = s.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? " +next" : "";
                return items.ValueKind == JsonValueKind.Array ? $"{items.GetArrayLength():N0} {kind}{next}" : "?";
            }).ToList();
            return $"{resolution}: {parts.Count} series [{string.Join(", ", parts.Distinct())}]";
        }
        catch (JsonException)
        {
            return "not JSON";
        }
    }
}
