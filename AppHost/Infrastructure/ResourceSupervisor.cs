using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IotAspire.AppHost.Infrastructure;

/// <summary>Marks a resource the AppHost starts again when it exits on its own (not when someone stops it).</summary>
public sealed class RestartOnExitAnnotation : IResourceAnnotation;

public static class RestartOnExitExtensions
{
    /// <summary>
    /// The local run's supervisor brings this resource back when its process dies (a crash, kill -9, an OOM kill, a
    /// SIGTERM from outside), with back-off. A stop from the Aspire dashboard or a resource command stays a stop.
    /// </summary>
    public static IResourceBuilder<T> WithRestartOnExit<T>(this IResourceBuilder<T> resource)
        where T : IResource =>
        resource.WithAnnotation(new RestartOnExitAnnotation(), ResourceAnnotationMutationBehavior.Replace);

    public static IDistributedApplicationBuilder AddResourceSupervisor(this IDistributedApplicationBuilder builder)
    {
        if (!builder.ExecutionContext.IsPublishMode)
        {
            builder.Services.AddHostedService<ResourceSupervisor>();
        }

        return builder;
    }
}

/// <summary>
/// What a process supervisor (systemd, an orchestrator) does for a deployment, for the local run: watches every resource
/// marked <see cref="RestartOnExitAnnotation"/> and starts it again when it went from running to exited without a stop
/// request (a stop passes through "Stopping"; a dying process does not). Back-off 1, 2, 4 … 30 s, reset after a minute of
/// running. Each restart is written to the resource's own log and counted in its "restarts" property, so the Aspire
/// dashboard shows it.
/// </summary>
public sealed partial class ResourceSupervisor(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLogs,
    IServiceProvider services,
    IHostApplicationLifetime lifetime,
    ILogger<ResourceSupervisor> logger) : BackgroundService
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, Supervised> _resources = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var supervised = model.Resources.Where(r => r.Annotations.OfType<RestartOnExitAnnotation>().Any()).Select(r => r.Name).ToHashSet();
        try
        {
            await foreach (var update in notifications.WatchAsync(stoppingToken))
            {
                if (supervised.Contains(update.Resource.Name))
                {
                    Observe(update);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The AppHost is stopping: so is everything it runs.
        }
    }

    private void Observe(ResourceEvent update)
    {
        var state = update.Snapshot.State?.Text;
        var resource = _resources.GetOrAdd(update.ResourceId, _ => new Supervised());
        var previous = resource.State;
        resource.State = state;
        if (state == previous)
        {
            return;
        }

        LogTransition(update.ResourceId, previous, state, update.Snapshot.ExitCode);

        if (state == KnownResourceStates.Running)
        {
            resource.RunningSince = DateTime.UtcNow;
            resource.StopRequested = false;
            return;
        }

        if (state == KnownResourceStates.Stopping)
        {
            resource.StopRequested = true; // Someone asked for it: not ours to undo.
            return;
        }

        var died = state is not null && (state == KnownResourceStates.Exited || state == KnownResourceStates.Finished || state == KnownResourceStates.FailedToStart);
        if (!died || resource.StopRequested || lifetime.ApplicationStopping.IsCancellationRequested
            || (previous != KnownResourceStates.Running && previous != KnownResourceStates.RuntimeUnhealthy && state != KnownResourceStates.FailedToStart))
        {
            return;
        }

        if (DateTime.UtcNow - resource.RunningSince > HealthyRun)
        {
            resource.Delay = FirstDelay;
        }

        var delay = resource.Delay;
        resource.Delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
        resource.Restarts++;
        _ = RestartAsync(update, resource.Restarts, delay);
    }

    private async Task RestartAsync(ResourceEvent update, int restart, TimeSpan delay)
    {
        var name = update.ResourceId;
        var exitCode = update.Snapshot.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown";
        resourceLogs.GetLogger(name).LogWarning(
            "Exited on its own ({State}, exit code {ExitCode}): the AppHost starts it again in {Delay} s (restart {Restart})",
            update.Snapshot.State?.Text, exitCode, delay.TotalSeconds, restart);
        LogRestarting(name, update.Snapshot.State?.Text, exitCode, delay.TotalSeconds, restart);
        try
        {
            await Task.Delay(delay, lifetime.ApplicationStopping);
            await notifications.PublishUpdateAsync(update.Resource, name, snapshot => snapshot with
            {
                Properties = [.. snapshot.Properties.Where(p => p.Name != "restarts"), new ResourcePropertySnapshot("restarts", restart)],
            });
            var result = await services.GetRequiredService<ResourceCommandService>()
                .ExecuteCommandAsync(name, KnownResourceCommands.StartCommand, lifetime.ApplicationStopping);
            if (!result.Success)
            {
                LogRestartFailed(name, result.Message);
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // Shutting down meanwhile.
        }
        catch (Exception ex)
        {
            LogRestartError(ex, name);
        }
    }

    private sealed class Supervised
    {
        public string? State { get; set; }
        public bool StopRequested { get; set; }
        public DateTime RunningSince { get; set; } = DateTime.UtcNow;
        public TimeSpan Delay { get; set; } = FirstDelay;
        public int Restarts { get; set; }
    }

    [LoggerMessage(LogLevel.Warning, "Resource {Resource} exited on its own ({State}, exit code {ExitCode}); starting it again in {DelaySeconds} s (restart {Restart})")]
    private partial void LogRestarting(string resource, string? state, string exitCode, double delaySeconds, int restart);

    [LoggerMessage(LogLevel.Debug, "Resource {Resource}: {Previous} -> {State} (exit code {ExitCode})")]
    private partial void LogTransition(string resource, string? previous, string? state, int? exitCode);

    [LoggerMessage(LogLevel.Error, "Starting resource {Resource} again failed: {Reason}")]
    private partial void LogRestartFailed(string resource, string? reason);

    [LoggerMessage(LogLevel.Error, "Starting resource {Resource} again failed")]
    private partial void LogRestartError(Exception exception, string resource);
}
