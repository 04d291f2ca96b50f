import type { Writable } from 'node:stream';
import parquet from '@dsnp/parquetjs';
import type { RawRow, RollupRow } from './format.js';
import type { RowBatch } from './reader.js';
import type { Resolution } from './spec.js';

/**
 * Apache Parquet files with @dsnp/parquetjs (the maintained fork of parquetjs): one row group per
 * ROW_GROUP rows, Snappy-compressed columns. The writer waits for each write's callback, so the
 * file's pace holds the reader back and memory stays at about one row group.
 */
const ROW_GROUP = 20_000;

const seriesColumns = {
  series_id: { type: 'INT32' },
  location: { type: 'UTF8', compression: 'SNAPPY' },
  asset: { type: 'UTF8', compression: 'SNAPPY' },
  sensor: { type: 'UTF8', compression: 'SNAPPY' },
  parameter: { type: 'UTF8', compression: 'SNAPPY' },
  unit: { type: 'UTF8', compression: 'SNAPPY' },
  time: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY' },
} as const;

const double = { type: 'DOUBLE', compression: 'SNAPPY' } as const;

export function parquetSchema(resolution: Resolution): parquet.ParquetSchema {
  return new parquet.ParquetSchema(
    resolution === 'raw'
      ? { ...seriesColumns, value: double }
      : {
          ...seriesColumns,
          min: double,
          max: double,
          avg: double,
          sum: double,
          count: { type: 'INT64', compression: 'SNAPPY' },
          first: double,
          last: double,
        },
  );
}

/** Writes the batches as one Parquet file into `sink`; returns the bytes written. */
export async function writeParquet(
  batches: AsyncIterable<RowBatch>,
  sink: Writable,
  resolution: Resolution,
): Promise<number> {
  let bytes = 0;
  const out = {
    write(chunk: Buffer, cb: (err?: Error | null) => void): boolean {
      bytes += chunk.length;
      return sink.write(chunk, cb);
    },
    end(cb: () => void) {
      sink.end(cb);
      return sink;
    },
  };
  const writer = await parquet.ParquetWriter.openStream(
    parquetSchema(resolution),
    out as unknown as Parameters<typeof parquet.ParquetWriter.openStream>[1],
    { rowGroupSize: ROW_GROUP },
  );
  for await (const b of batches) {
    const s = b.series;
    const head = {
      series_id: s.seriesId,
      location: s.location,
      asset: s.asset,
      sensor: s.sensor,
      parameter: s.parameter,
      unit: s.unit,
    };
    if (b.columns) {
      for (let i = 0; i < b.count; i++) {
        await writer.appendRow({ ...head, time: b.columns.ts[i]!, value: Number(b.columns.values[i]) });
      }
    } else if (resolution === 'raw') {
      for (const r of b.rows as RawRow[]) await writer.appendRow({ ...head, time: r.ts, value: r.value });
    } else {
      for (const r of b.rows as RollupRow[]) {
        await writer.appendRow({
          ...head,
          time: r.ts,
          min: r.min,
          max: r.max,
          avg: r.sum / r.count,
          sum: r.sum,
          count: BigInt(r.count),
          first: r.first,
          last: r.last,
        });
      }
    }
  }
  await writer.close();
  return bytes;
}
