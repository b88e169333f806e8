namespace IotAspire.Archiver.Export;

/// <summary>Reads a written part back and checks it against what was written into it (and so against the database).</summary>
public static class PartVerifier
{
    /// <summary>Null when the file holds exactly the expected rows, in order; else what is wrong.</summary>
    public static async Task<string?> CheckAsync(string file, long rows, string checksum, long minMicros, long maxMicros, CancellationToken cancellationToken)
    {
        var read = new RowChecksum();
        ArchiveRow? previous = null;
        await foreach (var row in PartReader.ReadAsync(file, cancellationToken))
        {
            if (previous is { } before && ArchiveRow.CompareKeys(before, row) >= 0)
            {
                return $"rows out of order after row {read.Rows}";
            }

            read.Add(row);
            previous = row;
        }

        if (read.Rows != rows)
        {
            return $"{read.Rows} rows read back, {rows} written";
        }

        if (read.Value != checksum)
        {
            return $"checksum {read.Value} read back, {checksum} written";
        }

        return read.MinMicros != minMicros || read.MaxMicros != maxMicros
            ? $"time range {read.MinMicros}..{read.MaxMicros} read back, {minMicros}..{maxMicros} written"
            : null;
    }
}
