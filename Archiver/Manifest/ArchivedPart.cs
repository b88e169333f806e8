namespace IotAspire.Archiver.Manifest;

/// <summary>A verified part, as its manifest row records it.</summary>
public sealed record ArchivedPart(
    DateOnly Day, int Part, string Path, long Rows, long Bytes, string Checksum, long MinMicros, long MaxMicros, Guid RunId);
