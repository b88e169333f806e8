using IotAspire.Api.Data;
using IotAspire.Api.Model;
using Microsoft.AspNetCore.Http.HttpResults;

namespace IotAspire.Api.Apis;

/// <summary>The Archiver's progress, as the manifest in PostgreSQL records it.</summary>
public static class ArchiveApi
{
    public static RouteGroupBuilder MapArchiveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("archive").WithTags("Archive");
        api.MapGet("/status", GetStatus)
            .WithName("GetArchiveStatus")
            .WithSummary("Watermark, days and bytes archived, lag and last error of the Archiver")
            .WithDescription(
                "exportedUntil: every closed UTC day before it is in verified Parquet parts. lagSeconds: how far that was behind "
                + "the newest closed day at the Archiver's last pass (0: caught up). lastError stays until a later error replaces it; "
                + "compare lastErrorAt with lastSuccessAt.");
        return api;
    }

    public static async Task<Ok<ArchiveStatusDto>> GetStatus(ArchiveStore archive, CancellationToken cancellationToken) =>
        TypedResults.Ok(await archive.ReadStatusAsync(cancellationToken));
}
