using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace IotAspire.Testing;

/// <summary>An <see cref="IMeterFactory"/> for code that runs a service's parts without its host (unit tests, the bench).</summary>
public static class StandaloneMeters
{
    public static IMeterFactory Factory { get; } =
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
}
