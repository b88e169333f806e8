using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using IotAspire.Bench.Infrastructure;
using IotAspire.Bench.Query;
using IotAspire.Bench.Reporting;
using IotAspire.Core;
using IotAspire.Testing;
using Microsoft.Playwright;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;

namespace IotAspire.Bench.Dashboard;

/// <summary>
/// The dashboard measured in a real browser (headless Chromium through Playwright): the fleet page over N registered
/// devices, a long chart of a 1 Hz device, the delay from a device's publish to the point on the open chart, and
/// optionally a soak of an open device page across token renewals.
/// </summary>
public static class DashboardBenchmark
{
    private const string LiveDevice = "bench-live-0001";
    private const string LiveMetric = "seq";

    public static async Task<int> RunAsync(DashboardSettings settings, CancellationToken cancellationToken)
    {
        var viewerPassword = Secret();
        var adminPassword = Secret();
        var operatorPassword = Secret();
        var identitySettings = new Dictionary<string, string>();
        if (settings.TokenLifetime is { } lifetime)
        {
            identitySettings["Realm:AccessTokenLifetime"] = lifetime.ToString("c", CultureInfo.InvariantCulture);
        }

        Console.WriteLine("starting the stack (executables mode) with the dashboard...");
        await using var stack = await BenchStack.StartAsync("dashboard", [], settings.DataRoot, cancellationToken,
            appHostArgs:
            [
                // Two Api replicas as in the demo (the dashboard's hub connection goes through the round-robin proxy);
                // this also keeps the Api off the demo's fixed port.
                "Api:Replicas=2",
                $"Simulator:Devices={settings.Simulator}", "Simulator:IntervalSeconds=1",
                $"Parameters:viewer-password={viewerPassword}", $"Parameters:admin-password={adminPassword}",
                $"Parameters:operator-password={operatorPassword}",
            ],
            resourceSettings: new Dictionary<string, IReadOnlyDictionary<string, string>> { [ResourceNames.Identity] = identitySettings });
        await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(ResourceNames.Dashboard, cancellationToken);
        var dashboard = stack.App.GetEndpoint(ResourceNames.Dashboard, "http");

        await using var data = NpgsqlDataSource.Create(stack.DatabaseConnectionString);
        var set = new QueryDataSet(1, settings.Devices - 1, settings.Days, 86_400, DateTime.UtcNow.Date.AddDays(-settings.Days), DateTime.UtcNow.Date);
        var (_, load) = await new QueryDataLoader(data).EnsureLoadedAsync(set, cancellationToken);
        await FillLatestValuesAsync(data, cancellationToken);
        Console.WriteLine(load is null ? "data set kept from before" : $"data set loaded in {load.TotalSeconds:F0} s");

        using var admin = stack.Tokens.ServiceClientFor(stack.ApiAddress);
        await using var device = await LiveDevicePublisher.ConnectAsync(admin, stack.Broker, LiveDevice, cancellationToken);

        if (settings.Hold)
        {
            Console.WriteLine($"dashboard: {dashboard}  users: viewer / {viewerPassword}, operator / {operatorPassword}, admin / {adminPassword}");
            Console.WriteLine($"api: {stack.ApiAddress}  logs: {stack.LogFile}. Ctrl+C (SIGINT) stops it and tears the stack down.");
            using var publishing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var publisher = device.RunAsync(1, publishing.Token);
            await Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => { }, CancellationToken.None);
            await publishing.CancelAsync();
            await publisher;
            return 0;
        }

        await using var browser = await DashboardBrowser.SignInAsync(dashboard, "viewer", viewerPassword);
        var fleet = await MeasureFleetAsync(browser, settings.Repeats);
        var chart = await MeasureLongChartAsync(browser, QueryDataSet.DenseId(0), settings.Repeats);
        var live = await MeasureLiveAsync(browser, device, settings, cancellationToken);
        if (settings.Screenshots is { } shots)
        {
            await ScreenshotsAsync(browser, shots);
        }

        var soak = settings.SoakMinutes > 0 ? await SoakAsync(browser, device, settings, cancellationToken) : null;

        var results = new { fleet, chart, live, soak, unauthorizedSeen = browser.Unauthorized };
        var path = ResultFile.Write(settings.ResultsDirectory, "dashboard", settings, results);
        Console.WriteLine(JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"results: {path}");
        return 0;
    }

    /// <summary>The loader writes raw rows and rollups only: give the 1 Hz device its latest values, as the worker would.</summary>
    private static async Task FillLatestValuesAsync(NpgsqlDataSource data, CancellationToken cancellationToken)
    {
        await using var command = data.CreateCommand($"""
            INSERT INTO latest_values (device_key, metric_id, ts, num_value)
            SELECT DISTINCT ON (t.device_key, t.metric_id) t.device_key, t.metric_id, t.ts, t.num_value
            FROM telemetry t JOIN devices d ON d.key = t.device_key
            WHERE d.device_id = '{QueryDataSet.DenseId(0)}' AND t.ts > now() - interval '2 days'
            ORDER BY t.device_key, t.metric_id, t.ts DESC
            ON CONFLICT DO NOTHING
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Timed inside the page (performance.now()): from the click or input event to the DOM showing the new rows, seen
    /// by a MutationObserver; Playwright's own round trips are not in these figures. First render: navigation start to
    /// the end of DOMContentLoaded (the rows are in the prerendered HTML).
    /// </summary>
    private const string TimePageChange = """
        () => new Promise(resolve => {
            const first = () => document.querySelector('[data-testid=device-link]')?.textContent;
            const before = first();
            const started = performance.now();
            const observer = new MutationObserver(() => {
                if (first() !== before) { observer.disconnect(); resolve(performance.now() - started); }
            });
            observer.observe(document.body, { childList: true, subtree: true, characterData: true });
            document.querySelector('[data-testid=next-page]').click();
        })
        """;

    private const string TimeSearch = """
        term => new Promise(resolve => {
            const matches = () => { const l = document.querySelectorAll('[data-testid=device-link]'); return l.length > 0 && [...l].every(e => e.textContent.includes(term)); };
            const started = performance.now();
            const observer = new MutationObserver(() => { if (matches()) { observer.disconnect(); resolve(performance.now() - started); } });
            observer.observe(document.body, { childList: true, subtree: true, characterData: true });
            const input = document.querySelector('[data-testid=search] input');
            input.value = term;
            input.dispatchEvent(new Event('input', { bubbles: true }));
        })
        """;

    private static async Task<object> MeasureFleetAsync(DashboardBrowser browser, int repeats)
    {
        var page = browser.Page;
        var firstRender = new List<double>();
        var firstRenderDriver = new List<double>();
        for (var i = 0; i < Math.Min(repeats, 5); i++)
        {
            firstRenderDriver.Add(await browser.TimeAsync(async () =>
            {
                await page.GotoAsync(browser.Dashboard.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
                await page.WaitForSelectorAsync("[data-testid=device-link]");
            }));
            firstRender.Add(await page.EvaluateAsync<double>("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"));
        }

        await browser.WaitLiveAsync();
        var pageChange = new List<double>();
        var pageChangeDriver = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            pageChange.Add(await page.EvaluateAsync<double>(TimePageChange));
            var before = await browser.FirstDeviceAsync();
            pageChangeDriver.Add(await browser.TimeAsync(async () =>
            {
                await page.ClickAsync("[data-testid=next-page]");
                await page.WaitForFunctionAsync("b => document.querySelector('[data-testid=device-link]')?.textContent !== b", before);
            }));
        }

        var search = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            search.Add(await page.EvaluateAsync<double>(TimeSearch, $"sparse-{(i * 937 % 9000) + 10:D4}"));
        }

        var devices = await page.Locator("[data-testid=device-link]").CountAsync();
        await page.FillAsync("[data-testid=search] input", "");
        return new
        {
            firstRenderMs = Percentiles.From(firstRender),
            pageChangeMs = Percentiles.From(pageChange),
            // Includes the search box's debounce after the input event.
            searchMs = Percentiles.From(search),
            searchDebounceMs = 150,
            // The same, as the test driver sees it (Playwright's navigation, click and polling included).
            firstRenderDriverMs = Percentiles.From(firstRenderDriver),
            pageChangeDriverMs = Percentiles.From(pageChangeDriver),
            pageSize = 50,
            lastSearchRows = devices,
        };
    }

    private static async Task<object> MeasureLongChartAsync(DashboardBrowser browser, string deviceId, int repeats)
    {
        var page = browser.Page;
        await page.GotoAsync(new Uri(browser.Dashboard, $"devices/{deviceId}").ToString());
        await browser.WaitLiveAsync();
        await page.WaitForSelectorAsync("[data-testid=chart] canvas");
        var open = new List<double>();
        JsonElement last = default;
        for (var i = 0; i < Math.Min(repeats, 5); i++)
        {
            await SelectRangeAsync(page, "Last day");
            await page.WaitForFunctionAsync("() => window.__iotLastLoad && window.__iotLastLoad.resolution !== '1h'");
            open.Add(await browser.TimeAsync(async () =>
            {
                await SelectRangeAsync(page, "Last 30 days");
                await page.WaitForFunctionAsync("() => window.__iotLastLoad && window.__iotLastLoad.resolution === '1h'");
            }));
            last = await page.EvaluateAsync<JsonElement>("() => window.__iotLastLoad");
        }

        var points = last.GetProperty("points").GetInt32();
        var metrics = last.GetProperty("metrics").GetInt32();
        var width = last.GetProperty("width").GetInt32();
        return new
        {
            openMs = Percentiles.From(open),
            resolution = last.GetProperty("resolution").GetString(),
            inBrowserMs = last.GetProperty("milliseconds").GetInt32(),
            bytes = last.GetProperty("bytes").GetInt32(),
            points,
            metrics,
            chartWidthPx = width,
            pointsPerPixelPerChart = width == 0 ? double.NaN : (double)points / metrics / width,
        };
    }

    private static async Task SelectRangeAsync(IPage page, string label)
    {
        await page.ClickAsync("[data-testid=range]");
        await page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasText = label }).First.ClickAsync();
    }

    private static async Task<object> MeasureLiveAsync(DashboardBrowser browser, LiveDevicePublisher device, DashboardSettings settings, CancellationToken cancellationToken)
    {
        var page = browser.Page;
        // A few points first, so the device page has a metric to chart when it opens.
        await device.PublishAsync(cancellationToken);
        await device.PublishAsync(cancellationToken);
        await Task.Delay(1500, cancellationToken);
        await page.GotoAsync(new Uri(browser.Dashboard, $"devices/{LiveDevice}").ToString());
        await browser.WaitLiveAsync();
        await page.WaitForSelectorAsync($"[data-testid=chart][data-metric={LiveMetric}] canvas");
        await page.EvaluateAsync("() => { window.__iotLiveProbe = { pending: [], drawn: [] }; }");
        using (var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            run.CancelAfter(TimeSpan.FromSeconds(settings.LiveSeconds));
            await device.RunAsync(settings.LiveRate, run.Token);
        }

        await Task.Delay(2000, cancellationToken);
        var drawn = await page.EvaluateAsync<JsonElement>("() => window.__iotLiveProbe.drawn");
        var latencies = new List<double>();
        var seen = new HashSet<long>();
        foreach (var point in drawn.EnumerateArray())
        {
            var seq = (long)point.GetProperty("value").GetDouble();
            if (seen.Add(seq) && device.SentAt.TryGetValue(seq, out var sentAt))
            {
                latencies.Add(point.GetProperty("drawnAt").GetDouble() - sentAt);
            }
        }

        return new
        {
            published = settings.LiveSeconds * settings.LiveRate,
            drawn = latencies.Count,
            publishToChartMs = Percentiles.From(latencies),
        };
    }

    /// <summary>The README's pictures: the fleet, and a simulated device's page after a minute of its telemetry.</summary>
    private static async Task ScreenshotsAsync(DashboardBrowser browser, string folder)
    {
        Directory.CreateDirectory(folder);
        var page = browser.Page;
        await page.GotoAsync(browser.Dashboard.ToString());
        await browser.WaitLiveAsync();
        await page.FillAsync("[data-testid=search] input", "sim-");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('[data-testid=device-link]')].every(e => e.textContent.startsWith('sim-'))");
        await page.WaitForTimeoutAsync(1000);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "dashboard-fleet.png") });
        await page.GotoAsync(new Uri(browser.Dashboard, "devices/sim-0001").ToString());
        await browser.WaitLiveAsync();
        await page.WaitForSelectorAsync("[data-testid=chart] canvas");
        await page.WaitForTimeoutAsync(5000);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, "dashboard-device.png") });
    }

    /// <summary>The device page open for SoakMinutes while the device publishes at 1 Hz: 401s, reconnects, and the longest gap.</summary>
    private static async Task<object> SoakAsync(DashboardBrowser browser, LiveDevicePublisher device, DashboardSettings settings, CancellationToken cancellationToken)
    {
        var page = browser.Page;
        await page.GotoAsync(new Uri(browser.Dashboard, $"devices/{LiveDevice}").ToString());
        await browser.WaitLiveAsync();
        await page.WaitForSelectorAsync($"[data-testid=chart][data-metric={LiveMetric}] canvas");
        await page.EvaluateAsync("() => { window.__iotLiveProbe = { pending: [], drawn: [] }; }");
        var unauthorizedBefore = browser.Unauthorized;
        var notLive = 0;
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        run.CancelAfter(TimeSpan.FromMinutes(settings.SoakMinutes));
        var publishing = device.RunAsync(1, run.Token);
        while (!run.IsCancellationRequested)
        {
            await Task.Delay(1000, CancellationToken.None);
            var state = await page.GetAttributeAsync("[data-testid=live-status]", "data-state");
            if (state != "Live")
            {
                notLive++;
            }
        }

        await publishing;
        await Task.Delay(2000, cancellationToken);
        var drawn = (await page.EvaluateAsync<double[]>("() => window.__iotLiveProbe.drawn.map(p => p.drawnAt)")).Order().ToList();
        var maxGap = drawn.Zip(drawn.Skip(1), (a, b) => b - a).DefaultIfEmpty(double.NaN).Max();
        return new
        {
            minutes = settings.SoakMinutes,
            tokenLifetime = settings.TokenLifetime?.ToString() ?? "realm default (5 min)",
            pointsDrawn = drawn.Count,
            maxGapMs = maxGap,
            secondsNotLive = notLive,
            unauthorized = browser.Unauthorized - unauthorizedBefore,
        };
    }

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
}

/// <summary>A registered device that publishes one numbered value per message (metric "seq") and notes when it sent each.</summary>
public sealed class LiveDevicePublisher : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly string _id;
    private long _seq;

    private LiveDevicePublisher(IMqttClient client, string id)
    {
        _client = client;
        _id = id;
    }

    /// <summary>Unix milliseconds of each sequence number's publish.</summary>
    public ConcurrentDictionary<long, double> SentAt { get; } = new();

    public static async Task<LiveDevicePublisher> ConnectAsync(HttpClient admin, Core.Mqtt.MqttBrokerAddress broker, string id, CancellationToken cancellationToken)
    {
        var answer = await admin.PostAsJsonAsync("/api/devices", new { id, name = "Bench live device" }, cancellationToken);
        if (answer.StatusCode == System.Net.HttpStatusCode.Conflict)
        {
            answer = await admin.PostAsync($"/api/devices/{id}/credentials", null, cancellationToken);
        }

        answer.EnsureSuccessStatusCode();
        var mqtt = (await answer.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("mqtt");
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(id)
            .WithCredentials(id, mqtt.GetProperty("password").GetString())
            .WithWillTopic($"devices/{id}/status").WithWillPayload("{\"online\":false}").WithWillRetain()
            .Build();
        var result = await client.ConnectAsync(options, cancellationToken);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            throw new InvalidOperationException($"The broker refused {id}: {result.ResultCode}");
        }

        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{id}/status").WithPayload("{\"online\":true}")
            .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
        return new LiveDevicePublisher(client, id);
    }

    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        var seq = Interlocked.Increment(ref _seq);
        var now = DateTimeOffset.UtcNow;
        SentAt[seq] = now.ToUnixTimeMilliseconds() + (now.Ticks % TimeSpan.TicksPerMillisecond) / (double)TimeSpan.TicksPerMillisecond;
        var payload = Encoding.UTF8.GetBytes($"{{\"ts\":{now.ToUnixTimeMilliseconds()},\"{"seq"}\":{seq}}}");
        await _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"devices/{_id}/telemetry").WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken);
    }

    /// <summary>Publishes at the rate until cancelled.</summary>
    public async Task RunAsync(double perSecond, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / perSecond));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await PublishAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The run is over.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}
