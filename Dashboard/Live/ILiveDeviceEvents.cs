namespace IotAspire.Dashboard.Live;

/// <summary>A page's live device events (one hub connection per page view); pages and tests see only this.</summary>
public interface ILiveDeviceEvents : IAsyncDisposable
{
    LiveState State { get; }

    event Func<TelemetryEvent, Task>? Telemetry;
    event Func<ShadowEvent, Task>? Shadow;
    event Func<PresenceEvent, Task>? Presence;
    event Func<LiveState, Task>? StateChanged;

    /// <summary>Raised after a reconnect: events of the gap were missed, so pages reload what they show.</summary>
    event Func<Task>? Resumed;

    /// <summary>Starts connecting in the background; a page renders without waiting for it.</summary>
    void EnsureStarted(bool restart = false);

    /// <summary>Watches exactly these devices from now on (a page of the fleet, or one device).</summary>
    Task WatchAsync(IEnumerable<string> deviceIds);
}

public interface ILiveConnectionFactory
{
    Task<ILiveDeviceEvents> CreateAsync(CancellationToken cancellationToken);
}
