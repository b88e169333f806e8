using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IotAspire.DeviceWorker.Diagnostics;

/// <summary>
/// What keeps the worker from storing messages now (the database refusing every batch, Redis away): each part that
/// retries such a failure reports it here while it lasts, and the health check is unhealthy meanwhile.
/// </summary>
public sealed class ProcessingHealth
{
    private readonly ConcurrentDictionary<string, string> _failing = new(StringComparer.Ordinal);

    public void Failing(string part, string reason) => _failing[part] = reason;

    public void Recovered(string part) => _failing.TryRemove(part, out _);

    public IReadOnlyDictionary<string, string> Problems => _failing;
}

public sealed class ProcessingHealthCheck(ProcessingHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = health.Problems;
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy("messages are being stored")
            : HealthCheckResult.Unhealthy("messages wait: " + string.Join("; ", problems.Select(p => $"{p.Key}: {p.Value}"))));
    }
}
