namespace IotAspire.Api.Data;

/// <summary>
/// Two time-ordered pages of one series (raw rows and archived points) as one: ordered by time, a time present in both
/// once (a late point can be in the archive and in the partition the worker made again), at most <c>take</c> points.
/// </summary>
public static class PointMerge
{
    public static IReadOnlyList<PointRow> Merge(IReadOnlyList<PointRow> stored, IReadOnlyList<PointRow> archived, int take)
    {
        if (archived.Count == 0)
        {
            return stored;
        }

        var merged = new List<PointRow>(Math.Min(take, stored.Count + archived.Count));
        int s = 0, a = 0;
        while (merged.Count < take && (s < stored.Count || a < archived.Count))
        {
            if (a == archived.Count || (s < stored.Count && stored[s].Timestamp <= archived[a].Timestamp))
            {
                if (a < archived.Count && stored[s].Timestamp == archived[a].Timestamp)
                {
                    a++;
                }

                merged.Add(stored[s++]);
            }
            else
            {
                merged.Add(archived[a++]);
            }
        }

        return merged;
    }
}
