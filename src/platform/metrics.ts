import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics of one process. Created once by the composition root and passed to every
 * component (no global registry), so tests can run several platforms in one process.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly busAppended = new Counter({
    name: 'datainsight_bus_appended_total',
    help: 'Entries appended to a bus stream',
    labelNames: ['stream'] as const,
    registers: [this.registry],
  });
  readonly busProcessed = new Counter({
    name: 'datainsight_bus_processed_total',
    help: 'Entries processed and acknowledged by a consumer group',
    labelNames: ['stream', 'group'] as const,
    registers: [this.registry],
  });
  readonly busClaimed = new Counter({
    name: 'datainsight_bus_claimed_total',
    help: 'Entries taken over from a consumer that stopped acknowledging',
    labelNames: ['stream', 'group'] as const,
    registers: [this.registry],
  });
  readonly busDeadLettered = new Counter({
    name: 'datainsight_bus_dead_lettered_total',
    help: 'Entries moved to the dead-letter stream after repeated failures',
    labelNames: ['stream', 'group'] as const,
    registers: [this.registry],
  });
  readonly busHandlerErrors = new Counter({
    name: 'datainsight_bus_handler_errors_total',
    help: 'Batches whose handler failed (entries stay pending and are retried)',
    labelNames: ['stream', 'group'] as const,
    registers: [this.registry],
  });
  readonly busLag = new Gauge({
    name: 'datainsight_bus_lag_entries',
    help: 'Entries not yet acknowledged by a consumer group (undelivered + pending)',
    labelNames: ['stream', 'group'] as const,
    registers: [this.registry],
  });
  readonly busOwnedPartitions = new Gauge({
    name: 'datainsight_bus_owned_partitions',
    help: 'Partitions of a stream this process currently consumes for a group',
    labelNames: ['stream', 'group'] as const,
    registers: [this.registry],
  });
  readonly roleThroughput = new Counter({
    name: 'datainsight_role_items_total',
    help: 'Items handled by a process role (readings bridged, stored, ...)',
    labelNames: ['role', 'item'] as const,
    registers: [this.registry],
  });
  readonly ingestAccepted = new Counter({
    name: 'datainsight_ingest_accepted_total',
    help: 'Readings accepted into the telemetry stream',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly ingestRejected = new Counter({
    name: 'datainsight_ingest_rejected_total',
    help: 'Records rejected at ingest, by source and the field at fault',
    labelNames: ['source', 'field'] as const,
    registers: [this.registry],
  });
  readonly storageRejected = new Counter({
    name: 'datainsight_storage_rejected_total',
    help: 'Readings the storage role could not store (unknown tenant or sensor)',
    registers: [this.registry],
  });
  readonly alertTransitions = new Counter({
    name: 'datainsight_alert_transitions_total',
    help: 'Alert transitions published on the alert streams, by priority and kind',
    labelNames: ['priority', 'kind'] as const,
    registers: [this.registry],
  });
  readonly alertTransitionsSilenced = new Counter({
    name: 'datainsight_alert_transitions_silenced_total',
    help: 'Alert transitions logged but not published because a silence covered them',
    labelNames: ['priority'] as const,
    registers: [this.registry],
  });
  readonly notifySent = new Counter({
    name: 'datainsight_notify_sent_total',
    help: 'Deliveries accepted by a provider, by channel and priority',
    labelNames: ['channel', 'priority'] as const,
    registers: [this.registry],
  });
  readonly notifyDead = new Counter({
    name: 'datainsight_notify_dead_total',
    help: 'Deliveries no channel could make (dead letters); critical ones also raise an operator alert',
    labelNames: ['priority'] as const,
    registers: [this.registry],
  });
  readonly notifyLatency = new Histogram({
    name: 'datainsight_notify_latency_seconds',
    help: 'Reading time to provider acceptance, by priority (the deadline each priority promises)',
    labelNames: ['priority'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 1, 10, 60, 300, 3600, 21600, 86400, 604800],
    registers: [this.registry],
  });
  readonly providerRequest = new Histogram({
    name: 'datainsight_provider_request_seconds',
    help: 'Duration of a provider send request',
    labelNames: ['provider'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly dependencyUp = new Gauge({
    name: 'datainsight_dependency_up',
    help: '1 when an outside dependency (database, bus, broker) answered its last health probe',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'datainsight_http_request_duration_seconds',
    help: 'HTTP request duration',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'datainsight_' });
  }
}
