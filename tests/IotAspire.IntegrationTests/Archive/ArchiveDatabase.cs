using IotAspire.Core.Schema;
using IotAspire.IntegrationTests.Infrastructure;
using Npgsql;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>
/// A database of its own on the stack's PostgreSQL server, with the schema migrated, and an archive root of its own:
/// the Archiver's runs here see only this test's telemetry and touch nothing of the stack's.
/// </summary>
public sealed class ArchiveDatabase : IAsyncDisposable
{
    private readonly string _server;

    private ArchiveDatabase(string server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Root = Path.Combine(Path.GetTempPath(), "iotaspire-tests", name);
        Archiver = new ArchiverProcess(connectionString, Root);
    }

    public string Name { get; }
    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }
    public string Root { get; }
    public ArchiverProcess Archiver { get; }

    public static async Task<ArchiveDatabase> CreateAsync(StackFixture stack)
    {
        var name = $"archive_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(stack.DatabaseConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(stack.DatabaseConnectionString) { Database = name }.ConnectionString;
        var database = new ArchiveDatabase(stack.DatabaseConnectionString, name, connectionString);
        await SchemaMigrator.MigrateAsync(database.DataSource, CancellationToken.None);
        return database;
    }

    public async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = Command(sql, parameters);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default! : (T)value;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var connection = new NpgsqlConnection(_server))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }

        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private NpgsqlCommand Command(string sql, object[] parameters)
    {
        var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
