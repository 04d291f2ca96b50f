import { DataInsightError } from '../platform/errors.js';
import { assertName, partitionFor } from './keys.js';
import type { StreamSpec } from './port.js';

/** The largest partition count we accept: each partition is a Redis key and, per consumer, a read slot. */
const MAX_PARTITIONS = 1024;

/** The streams a bus knows, shared by both adapters so they validate and fail alike. */
export class StreamRegistry {
  private readonly specs = new Map<string, StreamSpec>();

  define(spec: StreamSpec): StreamSpec {
    assertName('stream', spec.name);
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > MAX_PARTITIONS) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `stream "${spec.name}": partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${spec.partitions}`,
        { field: 'partitions' },
      );
    }
    if (!Number.isInteger(spec.maxLen) || spec.maxLen < 1) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `stream "${spec.name}": maxLen must be a positive integer, got ${spec.maxLen}`,
        { field: 'maxLen' },
      );
    }
    const known = this.specs.get(spec.name);
    if (known && (known.partitions !== spec.partitions || known.maxLen !== spec.maxLen)) {
      // Changing the partition count of a live stream would move keys between partitions and break order.
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `stream "${spec.name}" is already defined with partitions=${known.partitions}, maxLen=${known.maxLen}; ` +
          `got partitions=${spec.partitions}, maxLen=${spec.maxLen}`,
        { field: 'partitions' },
      );
    }
    const copy = { ...spec };
    this.specs.set(spec.name, copy);
    return copy;
  }

  get(name: string): StreamSpec {
    const spec = this.specs.get(name);
    if (!spec) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `stream "${name}" is not defined: call defineStream first`,
        {
          field: 'stream',
        },
      );
    }
    return spec;
  }

  /** The spec, after checking every partition index is in range. */
  checkPartitions(name: string, partitions: Iterable<number>): StreamSpec {
    const spec = this.get(name);
    for (const p of partitions) {
      if (!Number.isInteger(p) || p < 0 || p >= spec.partitions) {
        throw new DataInsightError(
          'DI_BAD_REQUEST',
          `stream "${name}" has partitions 0..${spec.partitions - 1}; got partition ${p}`,
          { field: 'partition' },
        );
      }
    }
    return spec;
  }

  partitionOf(name: string, key: string): number {
    return partitionFor(key, this.get(name).partitions);
  }
}

export function busClosedError(kind: 'memory' | 'redis', call: string): DataInsightError {
  return new DataInsightError(
    'DI_SHUTTING_DOWN',
    `${kind} bus is closed: ${call}() was called after close()`,
  );
}
