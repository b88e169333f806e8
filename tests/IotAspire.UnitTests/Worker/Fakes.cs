using System.Collections.Concurrent;
using System.Diagnostics;
using IotAspire.DeviceWorker.DeadLetters;
using IotAspire.DeviceWorker.Diagnostics;
using IotAspire.DeviceWorker.Messaging;
using IotAspire.DeviceWorker.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace IotAspire.UnitTests.Worker;

/// <summary>Records dead letters; can be told to fail like a database that is down.</summary>
public sealed class RecordingDeadLetterSink : IDeadLetterSink
{
    public ConcurrentQueue<DeadLetter> Written { get; } = new();

    public bool Fail { get; set; }

    public Task WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        if (Fail)
        {
            throw new InvalidOperationException("database is down");
        }

        Written.Enqueue(deadLetter);
        return Task.CompletedTask;
    }
}

/// <summary>What test handlers received, by handler.</summary>
public sealed class HandledMessages
{
    public ConcurrentQueue<(string Handler, DeviceMessage Message)> Received { get; } = new();

    public ConcurrentQueue<ActivityTraceId> TraceIds { get; } = new();

    public IEnumerable<DeviceMessage> Of<THandler>() =>
        Received.Where(r => r.Handler == typeof(THandler).Name).Select(r => r.Message);
}

/// <summary>The kind of handler a client project adds for its own topic.</summary>
public sealed class AlarmHandler(HandledMessages handled) : IDeviceMessageHandler
{
    public Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        handled.Received.Enqueue((nameof(AlarmHandler), message));
        return Task.CompletedTask;
    }
}

public sealed class CatchAllHandler(HandledMessages handled) : IDeviceMessageHandler
{
    public Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken)
    {
        handled.Received.Enqueue((nameof(CatchAllHandler), message));
        return Task.CompletedTask;
    }
}

public sealed class ThrowingHandler : IDeviceMessageHandler
{
    public Task HandleAsync(DeviceMessage message, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("boom");
}

/// <summary>The worker's real composition (telemetry included), with storage addresses that are never reached.</summary>
public static class WorkerComposition
{
    public static HostApplicationBuilder Create(RecordingDeadLetterSink deadLetters, HandledMessages handled)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:iotdb"] = "Host=127.0.0.1;Port=1;Database=none;Username=none",
            ["ConnectionStrings:redis"] = "127.0.0.1:1,abortConnect=false",
            ["ConnectionStrings:mqtt"] = "mqtt://127.0.0.1:1",
            ["Mqtt:Username"] = "worker",
            ["Mqtt:Password"] = "secret",
        });
        builder.AddDeviceWorker();
        builder.Services.Replace(ServiceDescriptor.Singleton<IDeadLetterSink>(deadLetters));
        builder.Services.AddSingleton(handled);
        return builder;
    }
}

/// <summary>A dispatcher alone (no storage, no MQTT): the handlers a test registers, the fakes, a clock and a rate limit.</summary>
public static class DispatcherComposition
{
    public static MessageDispatcher Create(
        RecordingDeadLetterSink deadLetters,
        HandledMessages handled,
        Action<IServiceCollection> register,
        TimeProvider? clock = null,
        Action<DeviceRateLimitOptions>? rateLimit = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddSingleton<WorkerDiagnostics>();
        services.AddSingleton<ProcessingHealth>();
        services.AddSingleton<IDeadLetterSink>(deadLetters);
        services.AddSingleton(handled);
        services.AddSingleton(clock ?? TimeProvider.System);
        services.AddOptions<DeviceRateLimitOptions>().Configure(options => rateLimit?.Invoke(options));
        services.AddSingleton<DeviceRateLimiter>();
        services.AddSingleton<MessageDispatcher>();
        register(services);
        return services.BuildServiceProvider(validateScopes: true).GetRequiredService<MessageDispatcher>();
    }
}
