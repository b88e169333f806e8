using IotAspire.Archiver.Storage;

namespace IotAspire.Archiver.Export;

/// <summary>
/// The keys already archived for a day, as one ordered stream merged from its parts (each sorted the same way), asked in
/// ascending order: "is this row archived?". How a late export leaves out what earlier parts hold, in constant memory.
/// </summary>
public sealed class ArchivedKeys : IAsyncDisposable
{
    private readonly List<LocalCopy> _copies = [];
    private readonly List<IAsyncEnumerator<ArchiveRow>> _parts = [];
    private readonly PriorityQueue<IAsyncEnumerator<ArchiveRow>, ArchiveRow> _heads = new(Comparer<ArchiveRow>.Create((a, b) => ArchiveRow.CompareKeys(a, b)));

    public static async Task<ArchivedKeys> OpenAsync(IArchiveStorage storage, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var keys = new ArchivedKeys();
        try
        {
            foreach (var path in paths)
            {
                var copy = await storage.OpenLocalAsync(path, cancellationToken);
                keys._copies.Add(copy);
                var rows = PartReader.ReadAsync(copy.Path, cancellationToken).GetAsyncEnumerator(cancellationToken);
                keys._parts.Add(rows);
                if (await rows.MoveNextAsync())
                {
                    keys._heads.Enqueue(rows, rows.Current);
                }
            }

            return keys;
        }
        catch
        {
            await keys.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether a row with this key is archived; keys must be asked in ascending order.</summary>
    public async ValueTask<bool> ContainsAsync(ArchiveRow row)
    {
        while (_heads.TryPeek(out var part, out var head))
        {
            var order = ArchiveRow.CompareKeys(head, row);
            if (order > 0)
            {
                return false;
            }

            _heads.Dequeue();
            if (await part.MoveNextAsync())
            {
                _heads.Enqueue(part, part.Current);
            }

            if (order == 0)
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var part in _parts)
        {
            await part.DisposeAsync();
        }

        foreach (var copy in _copies)
        {
            copy.Dispose();
        }
    }
}
