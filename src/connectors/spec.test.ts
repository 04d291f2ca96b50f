import { describe, expect, it } from 'vitest';
import { parseWith } from '../api/http-schema.js';
import {
  ConnectorSpecSchema,
  keyColumns,
  mappedColumns,
  maskSecrets,
  SECRET_MASK,
  type ConnectorInput,
} from './spec.js';

export const legacySpec = (over: Partial<ConnectorInput> = {}): ConnectorInput => ({
  name: 'plant-meters',
  source: {
    kind: 'postgres',
    host: '127.0.0.1',
    database: 'legacy',
    user: 'reader',
    password: 's3cret',
    table: 'meter_log',
  },
  incremental: { mode: 'timestamp+id', idColumn: 'id' },
  mapping: {
    timestamp: { column: 'read_at', zone: 'Europe/Berlin' },
    location: { value: 'plant' },
    asset: { column: 'meter' },
    sensor: { value: 'main' },
    readings: [
      { column: 't_supply', parameter: 'supply_temp', unit: 'F', targetUnit: 'C' },
      { column: 'p_w', parameter: 'power', unit: 'W', targetUnit: 'kW' },
    ],
  },
  ...over,
});

const errorOf = (input: unknown) => {
  try {
    parseWith(ConnectorSpecSchema, input);
  } catch (e) {
    return e as { field: string; message: string };
  }
  throw new Error('expected a validation error');
};

describe('connector definition', () => {
  it('fills defaults and lists the columns the mapping reads', () => {
    const s = parseWith(ConnectorSpecSchema, legacySpec());
    expect(s).toMatchObject({
      pollIntervalMs: 10_000,
      batchSize: 1000,
      queryTimeoutMs: 30_000,
      source: { port: 5432 },
    });
    expect(keyColumns(s)).toEqual(['read_at', 'id']);
    expect(mappedColumns(s).sort()).toEqual(['id', 'meter', 'p_w', 'read_at', 't_supply']);
  });

  it.each([
    [
      { mapping: { ...legacySpec().mapping, timestamp: { column: 'read_at', zone: 'Mars/Base' } } },
      'mapping.timestamp.zone',
      'IANA',
    ],
    [
      { mapping: { ...legacySpec().mapping, readings: [{ column: 'x', parameter: 'p', unit: 'furlong' }] } },
      'mapping.readings[0].unit',
      'unit',
    ],
    [{ mapping: { ...legacySpec().mapping, readings: [] } }, 'mapping.readings', 'at least one'],
    [
      { mapping: { ...legacySpec().mapping, location: { value: 'bad name!' } } },
      'mapping.location.value',
      'must be',
    ],
    [{ incremental: { mode: 'id' } }, 'incremental.idColumn', 'required'],
    [{ incremental: undefined }, 'incremental', 'incremental mode'],
    [{ backfillFrom: '2026-01-01 00:00' }, 'backfillFrom', 'zone'],
    [
      { source: { kind: 'mysql', host: 'h', database: 'd', user: 'u' } },
      'source.table',
      'either table or query',
    ],
    [
      {
        source: {
          kind: 'mysql',
          host: 'h',
          database: 'd',
          user: 'u',
          query: 'select * from t where id > :last_id',
        },
      },
      'source.query',
      ':limit',
    ],
    [{ source: { kind: 'file', format: 'csv' } }, 'incremental', 'leave incremental out'],
    [{ batchSize: 0 }, 'batchSize', ''],
  ])('rejects %j naming %s', (over, field, words) => {
    const e = errorOf(legacySpec(over as Partial<ConnectorInput>));
    expect(e.field).toBe(field);
    expect(e.message).toContain(words);
  });

  it('masks the password when shown', () => {
    const s = parseWith(ConnectorSpecSchema, legacySpec());
    expect(JSON.stringify(maskSecrets(s))).not.toContain('s3cret');
    expect(maskSecrets(s).source).toMatchObject({ password: SECRET_MASK });
  });
});
