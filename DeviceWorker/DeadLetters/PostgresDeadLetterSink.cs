using IotAspire.DeviceWorker.Data;
using IotAspire.DeviceWorker.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace IotAspire.DeviceWorker.DeadLetters;

/// <summary>Writes to the <c>dead_letters</c> table, keeping the payload's first 16 KB and its full size.</summary>
public sealed partial class PostgresDeadLetterSink(
    NpgsqlDataSource dataSource,
    WorkerDiagnostics diagnostics,
    ILogger<PostgresDeadLetterSink> logger) : IDeadLetterSink
{
    public const int MaxStoredPayloadBytes = 16 * 1024;
    private const int MaxReasonLength = 2000;

    private const int MaxAttempts = 3;

    public async Task WriteAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        // A few quick retries ride out a pooled connection that a database restart killed. If the database
        // stays down, the caller leaves the message unacknowledged instead.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await InsertAsync(deadLetter, cancellationToken);
                return;
            }
            catch (Exception ex) when (attempt < MaxAttempts && DatabaseErrors.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), cancellationToken);
            }
        }
    }

    private async Task InsertAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO dead_letters (topic, device_id, reason, payload_size, payload) VALUES ($1, $2, $3, $4, $5)");
        var payload = deadLetter.Payload.Length > MaxStoredPayloadBytes
            ? deadLetter.Payload[..MaxStoredPayloadBytes]
            : deadLetter.Payload;
        var reason = deadLetter.Reason.Length > MaxReasonLength ? deadLetter.Reason[..MaxReasonLength] : deadLetter.Reason;
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deadLetter.Topic });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)deadLetter.DeviceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = deadLetter.Payload.Length });
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = payload, NpgsqlDbType = NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync(cancellationToken);

        diagnostics.DeadLetters.Add(1, new KeyValuePair<string, object?>("reason.kind", deadLetter.Kind));
        LogDeadLettered(deadLetter.Topic, deadLetter.Kind, reason);
    }

    [LoggerMessage(LogLevel.Warning, "Dead-lettered a message on {Topic} ({Kind}): {Reason}")]
    private partial void LogDeadLettered(string topic, string kind, string reason);
}
