using System.Collections;
using IotAspire.Api.Data;
using IotAspire.Api.Model;

namespace IotAspire.Api.Queries;

/// <summary>
/// The first <paramref name="count"/> stored rows seen as contract points, without copying them: a page holds up to
/// 10,000, and a copy is one more large-object allocation per request (large objects cost a full collection each few MB).
/// </summary>
internal sealed class RawPointPage(IReadOnlyList<PointRow> rows, int count) : IReadOnlyList<TelemetryPoint>
{
    public int Count { get; } = Math.Min(count, rows.Count);

    public TelemetryPoint this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
            var row = rows[index];
            return new TelemetryPoint(row.Timestamp, row.Value);
        }
    }

    public IEnumerator<TelemetryPoint> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
