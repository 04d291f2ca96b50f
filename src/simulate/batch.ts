import type { WireSample } from '../sdk/wire.js';
import type { SensorInfo } from './topology.js';

/** One sensor's samples, oldest first: one MQTT message (a JSON array) or a run of HTTP records. */
export interface SensorBatch {
  tenant: string;
  location: string;
  asset: string;
  sensor: string;
  samples: WireSample[];
}

/** Where generated readings go (MQTT, HTTP, a test's array). A rejection counts the batch as failed. */
export type Sink = (batch: SensorBatch[]) => Promise<void>;

/** Collects samples into one entry per sensor, keeping each sensor's samples in time order. */
export class BatchBuilder {
  private bySensor = new Map<number, SensorBatch>();
  private count = 0;
  private firstTs: number | undefined;

  add(index: number, info: SensorInfo, sample: WireSample): void {
    let entry = this.bySensor.get(index);
    if (entry === undefined) {
      entry = {
        tenant: info.tenant,
        location: info.location,
        asset: info.asset,
        sensor: info.sensor,
        samples: [],
      };
      this.bySensor.set(index, entry);
    }
    entry.samples.push(sample);
    this.count += Object.keys(sample.values).length;
    this.firstTs ??= sample.ts;
  }

  /** Readings (parameter values) collected so far. */
  get readings(): number {
    return this.count;
  }

  /** Timestamp of the first sample added (callers add in time order): where a resumed run restarts. */
  get startTs(): number | undefined {
    return this.firstTs;
  }

  /** Hand over what was collected and start empty. */
  take(): SensorBatch[] {
    const batch = [...this.bySensor.values()];
    this.bySensor = new Map();
    this.count = 0;
    this.firstTs = undefined;
    return batch;
  }
}
