using IotAspire.Archiver.Diagnostics;
using IotAspire.Archiver.Export;
using IotAspire.Archiver.Manifest;
using IotAspire.Archiver.Storage;
using IotAspire.Core;
using Microsoft.Extensions.Options;

namespace IotAspire.Archiver.Extensions;

public static class ArchiverExtensions
{
    public static IHostApplicationBuilder AddArchiver(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource(ResourceNames.Database);
        builder.Services.AddOptions<ArchiveOptions>()
            .BindConfiguration(ArchiveOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IArchiveStorage>(services =>
        {
            var options = services.GetRequiredService<IOptions<ArchiveOptions>>().Value;
            return options.Storage == "s3" ? new S3ArchiveStorage(options.S3) : new LocalArchiveStorage(options.Root);
        });
        builder.Services.AddSingleton<ArchiverDiagnostics>();
        builder.Services.AddSingleton<ArchiveRun>();
        builder.Services.AddSingleton<ArchiveManifest>();
        builder.Services.AddSingleton<TelemetrySource>();
        builder.Services.AddSingleton<OrphanReconciler>();
        builder.Services.AddSingleton<DayExporter>();
        builder.Services.AddSingleton<ArchiveCycle>();
        builder.Services.AddHostedService<ArchiverService>();
        return builder;
    }
}
