import { DataInsightError } from '../platform/errors.js';

/**
 * When each sensor is due, for a target rate in readings per second. Sensors take turns in a fixed
 * round; a sensor with k parameters takes k readings' worth of the round, and its slot sits at its
 * share of the round, so readings flow evenly instead of in one burst per round. Every due time is
 * computed from the start (start + round * period + offset), never by adding intervals, so rounding
 * errors cannot accumulate into drift.
 */
export class Schedule {
  private readonly offsets: number[];
  private readonly periodMs: number;
  private round = 0;
  private index = 0;

  constructor(
    readingsPerSensor: readonly number[],
    private readonly ratePerSecond: number,
    private readonly startTs: number,
  ) {
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `ratePerSecond must be a positive number, got ${ratePerSecond}`,
        { field: 'ratePerSecond' },
      );
    }
    const msPerReading = 1000 / ratePerSecond;
    let acc = 0;
    this.offsets = readingsPerSensor.map((n) => {
      const offset = acc * msPerReading;
      acc += n;
      return offset;
    });
    this.periodMs = acc * msPerReading;
    // Below 1 ms a sensor's successive samples would share a millisecond timestamp, and storage keeps
    // one value per sensor, parameter and timestamp: the extra readings would silently vanish.
    if (this.periodMs < 1) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `ratePerSecond ${ratePerSecond} is more than this model can send with distinct timestamps ` +
          `(${acc * 1000}/s for ${readingsPerSensor.length} sensors): add tenants, locations or assets`,
        { field: 'ratePerSecond' },
      );
    }
  }

  /** Due time of the next slot, UTC epoch ms. */
  get nextTs(): number {
    return Math.floor(this.startTs + this.round * this.periodMs + (this.offsets[this.index] ?? 0));
  }

  /** Sensor of the next slot. */
  get nextIndex(): number {
    return this.index;
  }

  /** The next slot's sensor and time; moves on to the slot after. */
  take(): { index: number; ts: number } {
    const slot = { index: this.index, ts: this.nextTs };
    this.index += 1;
    if (this.index === this.offsets.length) {
      this.index = 0;
      this.round += 1;
    }
    return slot;
  }

  /** Readings whose time has come but which have not been taken: how far behind the sender is. */
  owed(now: number): number {
    return Math.max(0, Math.floor(((now - this.nextTs) * this.ratePerSecond) / 1000));
  }
}
