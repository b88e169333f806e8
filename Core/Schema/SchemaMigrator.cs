using System.Reflection;
using Npgsql;

namespace IotAspire.Core.Schema;

/// <summary>
/// Applies the embedded, numbered SQL scripts (Schema/Sql/NNNN_name.sql) in order, each once,
/// each in its own transaction. An advisory lock makes concurrent runs wait for each other.
/// </summary>
public static class SchemaMigrator
{
    private const string ResourcePrefix = "IotAspire.Schema.";
    private const long LockId = 0x1077A5_1DE;

    public static IReadOnlyList<(string Version, string Sql)> Scripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => (name[ResourcePrefix.Length..^4], Read(assembly, name)))
            .ToList();
    }

    /// <returns>The versions applied by this call (empty when the schema was current).</returns>
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, "SELECT pg_advisory_lock(@lock)", cancellationToken, LockId);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS schema_versions (
                    version    text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            var applied = new HashSet<string>(StringComparer.Ordinal);
            await using (var command = new NpgsqlCommand("SELECT version FROM schema_versions", connection))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    applied.Add(reader.GetString(0));
                }
            }

            var done = new List<string>();
            foreach (var (version, sql) in Scripts().Where(script => !applied.Contains(script.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(sql, connection, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO schema_versions (version) VALUES (@v)", connection, transaction))
                {
                    record.Parameters.AddWithValue("v", version);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                done.Add(version);
            }

            return done;
        }
        finally
        {
            await Execute(connection, "SELECT pg_advisory_unlock(@lock)", CancellationToken.None, LockId);
        }
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, long? lockId = null)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (lockId is { } id)
        {
            command.Parameters.AddWithValue("lock", id);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Embedded schema script {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
