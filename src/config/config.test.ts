import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataInsightError } from '../platform/errors.js';
import { describeConfig, loadConfig } from './config.js';
import { SETTINGS, settingsTable } from './settings.js';

const fail = (fn: () => unknown): DataInsightError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DataInsightError) return e;
    throw e;
  }
  throw new Error('expected a configuration error');
};

describe('configuration', () => {
  it('defaults give the embedded mode on the documented ports', () => {
    const c = loadConfig({ env: {} });
    expect(c.httpPort).toBe(8080);
    expect(c.mqttPort).toBe(1883);
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.redisUrl).toBeUndefined();
    expect(c.mqttUrl).toBeUndefined();
  });

  it('environment overrides the file, which overrides defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'di-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ httpPort: 9000, MQTT_PORT: 1999, logLevel: 'warn' }));
    const c = loadConfig({ env: { HTTP_PORT: '9100' }, file });
    expect(c.httpPort).toBe(9100);
    expect(c.mqttPort).toBe(1999);
    expect(c.logLevel).toBe('warn');
  });

  it('a bad value stops start-up naming the environment variable', () => {
    const e = fail(() => loadConfig({ env: { HTTP_PORT: 'eighty' } }));
    expect(e.code).toBe('DI_CONFIG_INVALID');
    expect(e.field).toBe('HTTP_PORT');
    expect(e.message).toContain('HTTP_PORT');
  });

  it('an unknown key in the config file is named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'di-config-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ httpPortt: 1 }));
    expect(fail(() => loadConfig({ env: {}, file })).message).toContain('"httpPortt"');
  });

  it('a URL with the wrong scheme is rejected without echoing the secret', () => {
    const e = fail(() => loadConfig({ env: { DATABASE_URL: 'mysql://u:hunter2@h/db' } }));
    expect(e.field).toBe('DATABASE_URL');
    expect(e.message).not.toContain('hunter2');
  });

  it('claim idle shorter than the lease is refused (a live owner could lose its entries)', () => {
    const e = fail(() => loadConfig({ env: { CONSUMER_LEASE_MS: '5000', CONSUMER_CLAIM_IDLE_MS: '1000' } }));
    expect(e.field).toBe('CONSUMER_CLAIM_IDLE_MS');
  });

  it('describeConfig masks passwords in URLs', () => {
    const c = loadConfig({
      env: { DATABASE_URL: 'postgres://app:s3cret@db:5432/di', REDIS_URL: 'redis://:pw@r:6379' },
    });
    const text = JSON.stringify(describeConfig(c));
    expect(text).not.toContain('s3cret');
    expect(text).not.toMatch(/:pw@/);
    expect(text).toContain('postgres://app:***@db:5432/di');
  });

  it('docs/configuration.md carries the table of every setting with its default', () => {
    const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
    expect(doc).toContain(settingsTable());
    for (const spec of Object.values(SETTINGS)) expect(doc, spec.env).toContain(`\`${spec.env}\``);
  });
});
