namespace IotAspire.Api.Model;

/// <summary>
/// Answer to <c>GET /api/archive/status</c>. <c>ExportedUntil</c> is the watermark: every closed day before it is
/// archived. <c>LagSeconds</c>: how far it was behind the newest closed day when the Archiver last ran (0: caught up).
/// </summary>
public sealed record ArchiveStatusDto(
    DateTime? ExportedUntil,
    long? LagSeconds,
    int Days,
    int Parts,
    long Rows,
    long Bytes,
    DateOnly? FirstDay,
    DateOnly? LastDay,
    DateTime? LastRunAt,
    DateTime? LastSuccessAt,
    string? LastError,
    DateTime? LastErrorAt);
