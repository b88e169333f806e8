namespace IotAspire.Core.Shadows;

/// <summary>Durable shadow documents with atomic updates: concurrent writers never lose an update.</summary>
public interface IShadowStore
{
    Task<ShadowState?> GetAsync(string deviceId, CancellationToken cancellationToken);

    /// <summary>Applies the update atomically (optimistic concurrency, retried on a concurrent write).</summary>
    Task<ShadowApplyResult> UpdateAsync(string deviceId, ShadowUpdate update, CancellationToken cancellationToken);

    Task DeleteAsync(string deviceId, CancellationToken cancellationToken);
}
