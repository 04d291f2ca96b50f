import { Counter, Gauge, type Registry } from 'prom-client';

/** Connector metrics, registered once per registry (the api and connector roles of one process share it). */
export interface ConnectorMetrics {
  rowsRead: Counter<'connector'>;
  readingsWritten: Counter<'connector'>;
  rejected: Counter<'connector'>;
  sourceErrors: Counter<'connector'>;
  owned: Gauge;
}

const byRegistry = new WeakMap<Registry, ConnectorMetrics>();

export function connectorMetrics(registry: Registry): ConnectorMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    const registers = [registry];
    m = {
      rowsRead: new Counter({
        name: 'datainsight_connector_rows_read_total',
        help: 'Source rows read by connectors',
        labelNames: ['connector'],
        registers,
      }),
      readingsWritten: new Counter({
        name: 'datainsight_connector_readings_written_total',
        help: 'Readings connectors appended to the telemetry stream',
        labelNames: ['connector'],
        registers,
      }),
      rejected: new Counter({
        name: 'datainsight_connector_rejected_total',
        help: 'Source rows or values that went to the connector dead letters',
        labelNames: ['connector'],
        registers,
      }),
      sourceErrors: new Counter({
        name: 'datainsight_connector_source_errors_total',
        help: 'Failed reads of a source (retried with backoff)',
        labelNames: ['connector'],
        registers,
      }),
      owned: new Gauge({
        name: 'datainsight_connector_owned',
        help: 'Connectors this process runs',
        registers,
      }),
    };
    byRegistry.set(registry, m);
  }
  return m;
}
