namespace IotAspire.Archiver;

/// <summary>Placeholder: announces itself and idles. The Parquet export arrives with the archiver issue.</summary>
public sealed class ArchiverService(ILogger<ArchiverService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Archiver is a placeholder: no export is configured yet");
        return Task.CompletedTask;
    }
}
