/**
 * The one canonical reading every ingestion path produces (MQTT JSON, MQTT line protocol, HTTP JSON,
 * InfluxDB /write, legacy connectors). Keys are the tenant's own names (slugs), resolved to database
 * ids by the storage role.
 */
export interface Reading {
  tenant: string;
  location: string;
  asset: string;
  sensor: string;
  /** Physical quantity measured: temp, humidity, current, voltage, setpoint, on, efficiency... */
  parameter: string;
  /** UTC epoch milliseconds. */
  ts: number;
  value: number;
}

/** A record that could not become a reading, with what the sender can act on. */
export interface Rejection {
  /** Position in the batch (record index, or 1-based line number for line protocol). */
  index: number;
  /** The offending field or path, e.g. "values.temp", "ts", "tags.sensor". */
  field: string;
  reason: string;
}
