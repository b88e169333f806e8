// Canvas time-series charts (uPlot) for the device page. Data comes from the dashboard's /bff endpoint (the Api's
// telemetry with the user's token), never through the Blazor circuit; live points come from the circuit in small
// batches and are drawn at most every MIN_REDRAW_MS (leading edge: a lone point shows at once).
const charts = new Map();          // element id -> chart state
const MIN_REDRAW_MS = 200;

function palette() {
    return { line: '#1e88e5', band: 'rgba(30,136,229,0.18)', edge: 'rgba(30,136,229,0.45)' };
}

export function createChart(elementId, metric, dotnetRef) {
    const el = document.getElementById(elementId);
    if (!el || typeof uPlot === 'undefined') return 0;
    const colors = palette();
    const width = Math.max(200, el.clientWidth);
    const opts = {
        width, height: 220,
        cursor: { drag: { x: true, y: false, setScale: false } },
        scales: { x: { time: true } },
        legend: { show: true, live: true },
        series: [
            {},
            { label: 'min', stroke: colors.edge, width: 1, points: { show: false } },
            { label: 'max', stroke: colors.edge, width: 1, points: { show: false } },
            { label: metric, stroke: colors.line, width: 2, spanGaps: false, points: { show: false } },
        ],
        bands: [{ series: [2, 1], fill: colors.band }],
        axes: [{}, { size: 60 }],
        hooks: {
            setSelect: [u => {
                // Drag-to-zoom: the page loads the selection at the resolution that fits it.
                if (u.select.width > 5 && dotnetRef) {
                    const from = u.posToVal(u.select.left, 'x');
                    const to = u.posToVal(u.select.left + u.select.width, 'x');
                    dotnetRef.invokeMethodAsync('OnZoom', Math.round(from * 1000), Math.round(to * 1000));
                }
                u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
            }],
        },
    };
    const state = { el, metric, xs: [], mins: [], maxs: [], avgs: [], counts: [], bucketSec: 0, fromSec: 0, toSec: 0, live: false, lastDraw: 0, timer: 0, deviceId: null };
    state.plot = new uPlot(opts, [[], [], [], []], el);
    state.resize = new ResizeObserver(() => {
        const w = Math.max(200, el.clientWidth);
        if (Math.abs(w - state.plot.width) > 2) state.plot.setSize({ width: w, height: 220 });
    });
    state.resize.observe(el);
    charts.set(elementId, state);
    return width;
}

export function chartWidth(elementId) {
    const s = charts.get(elementId);
    return s ? s.plot.width : 0;
}

export function disposeChart(elementId) {
    const s = charts.get(elementId);
    if (!s) return;
    clearTimeout(s.timer);
    s.resize.disconnect();
    s.plot.destroy();
    charts.delete(elementId);
}

function bucketSeconds(interval) {
    return { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '6h': 21600, '1d': 86400 }[interval] || 0;
}

async function fetchTelemetry(deviceId, metrics, fromMs, toMs, interval, limit) {
    const q = new URLSearchParams();
    metrics.forEach(m => q.append('metric', m));
    q.set('from', new Date(fromMs).toISOString());
    q.set('to', new Date(toMs).toISOString());
    q.set('interval', interval);
    if (interval === 'raw') q.set('limit', String(limit));
    const response = await fetch(`bff/devices/${encodeURIComponent(deviceId)}/telemetry?${q}`, { credentials: 'same-origin' });
    const text = await response.text();
    if (!response.ok) {
        let message = `The chart data could not be loaded (${response.status}).`;
        try { const p = JSON.parse(text); message = p.detail ? `${p.title}: ${p.detail}` : (p.title || message); } catch { }
        if (response.status === 401) message = 'Your session has ended: reload the page to sign in again.';
        throw new Error(message);
    }
    return { body: JSON.parse(text), bytes: text.length };
}

// Loads [fromMs, toMs) for the charts of these metrics (one request for all), per the plan from ChartPlan.For.
export async function loadCharts(deviceId, chartIds, metrics, fromMs, toMs, plan, live) {
    const started = performance.now();
    try {
        let { body, bytes } = await fetchTelemetry(deviceId, metrics, fromMs, toMs, plan.interval, plan.rawLimit);
        if (body.resolution === 'raw' && plan.fallback && body.series.some(s => s.next)) {
            // Raw did not fit the chart: the device sends faster than that. Buckets instead.
            const again = await fetchTelemetry(deviceId, metrics, fromMs, toMs, plan.fallback, plan.rawLimit);
            body = again.body; bytes += again.bytes;
        }
        let points = 0;
        body.series.forEach((series, i) => {
            const s = charts.get(chartIds[i]);
            if (!s) return;
            s.deviceId = deviceId; s.live = live; s.fromSec = fromMs / 1000; s.toSec = toMs / 1000;
            s.bucketSec = bucketSeconds(body.resolution);
            s.xs = []; s.mins = []; s.maxs = []; s.avgs = []; s.counts = [];
            if (s.bucketSec) {
                for (const b of series.buckets) {
                    s.xs.push(Date.parse(b.t) / 1000); s.mins.push(b.min); s.maxs.push(b.max); s.avgs.push(b.avg); s.counts.push(b.count);
                }
            } else {
                for (const p of series.points) {
                    const v = numeric(p.value);
                    s.xs.push(Date.parse(p.t) / 1000); s.mins.push(null); s.maxs.push(null); s.avgs.push(v); s.counts.push(1);
                }
            }
            points += s.xs.length;
            draw(s);
        });
        const result = { resolution: body.resolution, points, bytes, milliseconds: Math.round(performance.now() - started), error: null };
        window.__iotLastLoad = { ...result, metrics: metrics.length, width: charts.get(chartIds[0])?.plot.width ?? 0 };  // For the benchmark.
        return result;
    } catch (e) {
        return { resolution: null, points: 0, bytes: 0, milliseconds: Math.round(performance.now() - started), error: String(e.message || e) };
    }
}

function numeric(v) {
    return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null;
}

// Live points of one device: [{ name, t (ms), value }]. Only charts that show a range ending now take them.
export function appendLive(deviceId, points) {
    const now = Date.now();
    for (const s of charts.values()) {
        if (s.deviceId !== deviceId || !s.live) continue;
        let changed = false;
        for (const p of points) {
            if (p.name !== s.metric) continue;
            const v = numeric(p.value);
            if (v === null) continue;
            add(s, p.t / 1000, v);
            changed = true;
            if (window.__iotLiveProbe) window.__iotLiveProbe.pending.push({ metric: p.name, t: p.t, value: v, receivedAt: now });
        }
        if (changed) {
            // The window slides with the clock: what fell out of it goes.
            const span = s.toSec - s.fromSec;
            s.toSec = Math.max(s.toSec, now / 1000); s.fromSec = s.toSec - span;
            while (s.xs.length && s.xs[0] < s.fromSec - s.bucketSec) { s.xs.shift(); s.mins.shift(); s.maxs.shift(); s.avgs.shift(); s.counts.shift(); }
            schedule(s);
        }
    }
}

function add(s, tSec, v) {
    if (!s.bucketSec) {
        // Keep time order (a late point is rare; insert where it belongs).
        let i = s.xs.length;
        while (i > 0 && s.xs[i - 1] > tSec) i--;
        if (i > 0 && s.xs[i - 1] === tSec) return;   // Already there (the load raced the event).
        s.xs.splice(i, 0, tSec); s.mins.splice(i, 0, null); s.maxs.splice(i, 0, null); s.avgs.splice(i, 0, v); s.counts.splice(i, 0, 1);
        return;
    }
    const start = Math.floor(tSec / s.bucketSec) * s.bucketSec;
    const last = s.xs.length - 1;
    if (last >= 0 && s.xs[last] === start) {
        const n = s.counts[last];
        s.mins[last] = Math.min(s.mins[last], v); s.maxs[last] = Math.max(s.maxs[last], v);
        s.avgs[last] = (s.avgs[last] * n + v) / (n + 1); s.counts[last] = n + 1;
    } else if (last < 0 || s.xs[last] < start) {
        s.xs.push(start); s.mins.push(v); s.maxs.push(v); s.avgs.push(v); s.counts.push(1);
    }
}

function schedule(s) {
    if (s.timer) return;
    const wait = Math.max(0, s.lastDraw + MIN_REDRAW_MS - performance.now());
    s.timer = setTimeout(() => { s.timer = 0; draw(s); }, wait);
}

function draw(s) {
    s.lastDraw = performance.now();
    s.plot.batch(() => {
        s.plot.setData([s.xs, s.mins, s.maxs, s.avgs], false);
        s.plot.setScale('x', { min: s.fromSec, max: s.toSec });
    });
    const probe = window.__iotLiveProbe;
    if (probe && probe.pending.length) {
        const drawnAt = Date.now();
        for (const p of probe.pending) probe.drawn.push({ ...p, drawnAt });
        probe.pending = [];
    }
    s.el.dataset.points = String(s.xs.length);
    s.el.dataset.last = s.avgs.length ? String(s.avgs[s.avgs.length - 1]) : '';
}
