import type { InboundMessage } from '../broker/port.js';
import type { Bus, BusRecord } from '../bus/port.js';
import type { Metrics } from '../platform/metrics.js';
import { rejectionRecord, TELEMETRY_STREAM, toRecords } from './envelope.js';
import { decodeLineProtocol, decodeSensorPayload, parseTopic, type Decoded } from './parse/index.js';
import type { Rejection } from './reading.js';

export interface IntakeLimits {
  maxPastMs: number;
  maxFutureMs: number;
  maxMessageBytes: number;
}

export interface IntakeResult {
  accepted: number;
  rejections: Rejection[];
}

/** Metric label for a rejection: the field without indices, so cardinality stays small. */
const fieldLabel = (field: string): string => field.replace(/\[\d+\]/g, '').split('.')[0] || 'record';

/**
 * Every ingestion path ends here: decoded readings go onto the telemetry stream (one entry per
 * sensor), and rejections go along as a rejections entry so they are recorded where the sender's
 * operator can see them. Resolves when the stream has them: only then is the sender acknowledged.
 */
export class Intake {
  constructor(
    private readonly bus: Bus,
    private readonly metrics: Metrics,
    private readonly limits: IntakeLimits,
  ) {}

  policy(now = Date.now()): { now: number; maxPastMs: number; maxFutureMs: number } {
    return { now, maxPastMs: this.limits.maxPastMs, maxFutureMs: this.limits.maxFutureMs };
  }

  /** Append what was decoded for one tenant. */
  async accept(
    tenant: string,
    decoded: Decoded,
    source: string,
    src: string,
    raw: string | Buffer,
  ): Promise<IntakeResult> {
    const rx = Date.now();
    const records: BusRecord[] = toRecords(decoded.readings, src, rx);
    if (decoded.rejections.length > 0)
      records.push(rejectionRecord(tenant, decoded.rejections, src, rx, raw));
    if (records.length > 0) await this.bus.append(TELEMETRY_STREAM, records);
    this.metrics.ingestAccepted.inc({ source }, decoded.readings.length);
    for (const r of decoded.rejections)
      this.metrics.ingestRejected.inc({ source, field: fieldLabel(r.field) });
    return { accepted: decoded.readings.length, rejections: decoded.rejections };
  }

  /**
   * One MQTT message. A device may publish only under its own tenant (the embedded broker's ACL has
   * already refused others; this is the second lock). Bad content is not an error for the transport:
   * the message is acknowledged and its rejections recorded.
   */
  async mqtt(msg: InboundMessage): Promise<IntakeResult> {
    const topic = parseTopic(msg.topic);
    if (topic.kind === 'invalid') {
      this.metrics.ingestRejected.inc({ source: 'mqtt', field: 'topic' });
      // No tenant to file it under: count it; the broker log names the client.
      return { accepted: 0, rejections: [{ index: 0, field: 'topic', reason: topic.reason }] };
    }
    if (msg.principal && msg.principal.tenant !== topic.tenant) {
      throw new Error(
        `device ${msg.principal.device} of tenant ${msg.principal.tenant} may not publish under tenant ${topic.tenant}`,
      );
    }
    const src = `mqtt:${msg.topic}`;
    const policy = this.policy();
    if (msg.payload.length > this.limits.maxMessageBytes) {
      const reason = `message of ${msg.payload.length} bytes exceeds the ${this.limits.maxMessageBytes}-byte limit (INGEST_MAX_MESSAGE_BYTES)`;
      return this.accept(
        topic.tenant,
        { readings: [], rejections: [{ index: 0, field: 'payload', reason }] },
        'mqtt',
        src,
        msg.payload,
      );
    }
    const decoded =
      topic.kind === 'sensor'
        ? decodeSensorPayload(msg.payload, { ...policy, ...topic })
        : decodeLineProtocol(msg.payload.toString('utf8'), {
            ...policy,
            tenant: topic.tenant,
            precision: 'ns',
          });
    return this.accept(topic.tenant, decoded, 'mqtt', src, msg.payload);
  }
}
