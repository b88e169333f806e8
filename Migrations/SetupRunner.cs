using System.Diagnostics;
using IotAspire.Core;
using IotAspire.Core.Mqtt;
using IotAspire.Core.Schema;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IotAspire.Migrations;

/// <summary>Runs the setup once and stops the host; a failure sets a non-zero exit code so dependants do not start.</summary>
public sealed class SetupRunner(
    NpgsqlDataSource dataSource,
    IBrokerAccounts brokerAccounts,
    IOptions<WorkerAccountOptions> workerAccount,
    IOptions<ApiAccountOptions> apiAccount,
    IOptions<FleetClaimAccountOptions> fleetClaim,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<SetupRunner> logger) : BackgroundService
{
    public static readonly ActivitySource ActivitySource = new("IotAspire.Migrations");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var activity = ActivitySource.StartActivity("setup");
        try
        {
            // The data source hides the password; the bootstrap needs the full connection string.
            var connectionString = configuration.GetConnectionString(ResourceNames.Database)
                ?? throw new InvalidOperationException($"ConnectionStrings:{ResourceNames.Database} is missing.");
            await DatabaseBootstrap.EnsureDatabaseExistsAsync(connectionString, logger, stoppingToken);
            var applied = await SchemaMigrator.MigrateAsync(dataSource, stoppingToken);
            logger.LogInformation("Schema is current; applied now: {Versions}", applied.Count == 0 ? "none" : string.Join(", ", applied));

            var worker = workerAccount.Value;
            await brokerAccounts.UpsertServiceAsync(worker.Username, worker.Password, ServiceAccounts.WorkerAcls, stoppingToken);
            logger.LogInformation("Broker account {Username} is ready", worker.Username);

            var api = apiAccount.Value;
            await brokerAccounts.UpsertServiceAsync(api.Username, api.Password, ServiceAccounts.ApiAcls, stoppingToken);
            logger.LogInformation("Broker account {Username} is ready", api.Username);

            var claim = await brokerAccounts.EnsureServiceAsync(
                ServiceAccounts.FleetClaimUsername, fleetClaim.Value.Password, ServiceAccounts.FleetClaimAcls, stoppingToken);
            logger.LogInformation("Fleet claim account {Username} is ready ({Change})", ServiceAccounts.FleetClaimUsername, claim);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            logger.LogCritical(exception, "Setup failed");
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
