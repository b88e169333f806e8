using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IotAspire.DeviceWorker.Diagnostics;

/// <summary>
/// The worker's ActivitySource and every instrument of its Meter ("IotAspire.DeviceWorker", from IMeterFactory), in one
/// place: services take this class, not the factory. Exported by ServiceDefaults.
/// </summary>
public sealed class WorkerDiagnostics
{
    public const string Name = "IotAspire.DeviceWorker";
    private const string Prefix = "iotaspire.deviceworker.";

    public static readonly ActivitySource ActivitySource = new(Name);

    public WorkerDiagnostics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        MessagesReceived = meter.CreateCounter<long>(Prefix + "messages.received", "{message}", "MQTT messages received.");
        MessagesAcknowledged = meter.CreateCounter<long>(Prefix + "messages.acknowledged", "{message}", "MQTT messages acknowledged after they were durably handled.");
        MessagesInFlight = meter.CreateUpDownCounter<long>(Prefix + "messages.in_flight", "{message}", "MQTT messages received and not yet acknowledged or given up.");
        DeliveryPauses = meter.CreateCounter<long>(Prefix + "messages.delivery_pauses", "{pause}", "Times delivery waited because the in-flight limit was reached (the worker is at capacity).");
        MessagesRateLimited = meter.CreateCounter<long>(Prefix + "messages.rate_limited", "{message}", "Messages dropped (and acknowledged) because their device exceeded its rate limit.");
        MessagesUnacknowledged = meter.CreateCounter<long>(Prefix + "messages.unacknowledged", "{message}", "Messages left unacknowledged (even the dead-letter write failed); the broker redelivers them on reconnect.");
        PointsWritten = meter.CreateCounter<long>(Prefix + "points.written", "{point}", "Telemetry points inserted (redelivered duplicates not counted).");
        DeadLetters = meter.CreateCounter<long>(Prefix + "dead_letters", "{message}", "Messages written to the dead-letter table, by reason kind.");
        DeadLetterFailures = meter.CreateCounter<long>(Prefix + "dead_letters.failed", "{message}", "Dead-letter writes that failed.");
        HandlerFailures = meter.CreateCounter<long>(Prefix + "handler.failures", "{message}", "Message handlers that threw because of the message (dead-lettered).");
        SystemicFailures = meter.CreateCounter<long>(Prefix + "handler.systemic_failures", "{attempt}", "Handler attempts that failed for a reason not the message's (database or Redis away or refusing); retried, not dead-lettered.");
        BatchRetries = meter.CreateCounter<long>(Prefix + "batch.retries", "{batch}", "Telemetry batch writes retried after a database error.");
        BatchDuration = meter.CreateHistogram<double>(Prefix + "batch.duration", "s", "Time to write and commit one telemetry batch.");
        BatchPoints = meter.CreateHistogram<long>(Prefix + "batch.points", "{point}", "Points per telemetry batch.");
        ShadowUpdates = meter.CreateCounter<long>(Prefix + "shadow.updates", "{update}", "Device shadow updates, by outcome (accepted, repeated, or the rejection code).");
        ShadowNotificationFailures = meter.CreateCounter<long>(Prefix + "shadow.notification_failures", "{update}", "Accepted shadow updates whose replies or event could not be published.");
        PresenceChanges = meter.CreateCounter<long>(Prefix + "presence.changes", "{change}", "Status messages by outcome: applied, unchanged (a repeated state) or stale (older than the recorded one).");
        EventPublishFailures = meter.CreateCounter<long>(Prefix + "events.publish_failures", "{event}", "Device events (telemetry, presence) that could not be sent through the SignalR Redis backplane.");
        EventsDropped = meter.CreateCounter<long>(Prefix + "events.dropped", "{event}", "Telemetry events dropped because the queue to Redis was full.");
        ProvisioningRequests = meter.CreateCounter<long>(Prefix + "provisioning.requests", "{request}", "Fleet provisioning requests by outcome: accepted, or the rejection code (400, 409, 429, 503).");
        ProvisioningAnswerFailures = meter.CreateCounter<long>(Prefix + "provisioning.answer_failures", "{request}", "Provisioning answers that could not be published.");
        RollupBuckets = meter.CreateCounter<long>(Prefix + "rollups.buckets", "{bucket}", "Closed buckets rolled up, by width (1m, 1h).");
        RollupFailures = meter.CreateCounter<long>(Prefix + "rollups.failures", "{bucket}", "Buckets (or whole runs) whose rollup failed; they stay pending.");
        PartitionsCreated = meter.CreateCounter<long>(Prefix + "partitions.created", "{partition}", "Telemetry partitions created ahead of time, by table.");
        PartitionsDropped = meter.CreateCounter<long>(Prefix + "partitions.dropped", "{partition}", "Telemetry partitions dropped by retention, by table.");
        PartitionsDeferred = meter.CreateCounter<long>(Prefix + "partitions.deferred", "{partition}", "Partition changes left for the next run because the table stayed locked.");
        PartitionsNotArchived = meter.CreateCounter<long>(Prefix + "partitions.not_archived", "{partition}", "Raw partitions due for retention but kept: rows no verified archive part covers yet.");
        MaintenanceFailures = meter.CreateCounter<long>(Prefix + "partitions.maintenance.failures", "{run}", "Maintenance runs that failed (retried at the next run).");
    }

    public Counter<long> MessagesReceived { get; }
    public Counter<long> MessagesAcknowledged { get; }
    public UpDownCounter<long> MessagesInFlight { get; }
    public Counter<long> DeliveryPauses { get; }
    public Counter<long> MessagesUnacknowledged { get; }
    public Counter<long> MessagesRateLimited { get; }
    public Counter<long> PointsWritten { get; }
    public Counter<long> DeadLetters { get; }
    public Counter<long> DeadLetterFailures { get; }
    public Counter<long> HandlerFailures { get; }
    public Counter<long> SystemicFailures { get; }
    public Counter<long> BatchRetries { get; }
    public Histogram<double> BatchDuration { get; }
    public Histogram<long> BatchPoints { get; }
    public Counter<long> ShadowUpdates { get; }
    public Counter<long> ShadowNotificationFailures { get; }
    public Counter<long> PresenceChanges { get; }
    public Counter<long> EventPublishFailures { get; }
    public Counter<long> EventsDropped { get; }
    public Counter<long> ProvisioningRequests { get; }
    public Counter<long> ProvisioningAnswerFailures { get; }
    public Counter<long> RollupBuckets { get; }
    public Counter<long> RollupFailures { get; }
    public Counter<long> PartitionsCreated { get; }
    public Counter<long> PartitionsDropped { get; }
    public Counter<long> PartitionsDeferred { get; }
    public Counter<long> PartitionsNotArchived { get; }
    public Counter<long> MaintenanceFailures { get; }
}
