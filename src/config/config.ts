import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { z } from 'zod';
import { DataInsightError } from '../platform/errors.js';
import { maskUrl } from '../platform/logger.js';
import { SETTINGS, type SettingKey } from './settings.js';

export type Config = { [K in SettingKey]: z.output<(typeof SETTINGS)[K]['schema']> } & {
  /** Resolved name of this process (INSTANCE_ID or hostname-pid). */
  instance: string;
};

export interface ConfigSources {
  /** Environment variables (process.env in production). */
  env?: Record<string, string | undefined>;
  /** Path of a JSON file whose keys are setting names (camelCase) or their environment variables. */
  file?: string;
  /** Values set in code (tests); highest precedence. */
  overrides?: Partial<Record<SettingKey, unknown>>;
}

const ENV_TO_KEY = new Map(Object.entries(SETTINGS).map(([k, s]) => [s.env, k as SettingKey]));

function readFile(path: string): Partial<Record<SettingKey, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new DataInsightError('DI_CONFIG_INVALID', `config file ${path}: ${(e as Error).message}`, {
      field: 'CONFIG_FILE',
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DataInsightError(
      'DI_CONFIG_INVALID',
      `config file ${path}: expected a JSON object of settings`,
      { field: 'CONFIG_FILE' },
    );
  }
  const out: Partial<Record<SettingKey, unknown>> = {};
  for (const [name, value] of Object.entries(parsed)) {
    const key = name in SETTINGS ? (name as SettingKey) : ENV_TO_KEY.get(name);
    if (!key) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `config file ${path}: unknown setting "${name}" (see docs/configuration.md)`,
        {
          field: name,
        },
      );
    }
    out[key] = value;
  }
  return out;
}

/**
 * Resolve the configuration: defaults < config file < environment < overrides. Rejects the first bad
 * setting with a message naming its environment variable, so start-up stops before anything listens.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const filePath = sources.file ?? env.CONFIG_FILE;
  const fromFile = filePath ? readFile(filePath) : {};
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SETTINGS) as [SettingKey, (typeof SETTINGS)[SettingKey]][]) {
    const raw = sources.overrides?.[key] ?? env[spec.env] ?? fromFile[key] ?? spec.default;
    const result = spec.schema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `invalid setting ${spec.env}=${shown}: ${issue?.message ?? 'invalid'}`,
        {
          field: spec.env,
        },
      );
    }
    out[key] = result.data;
  }
  const config = out as Omit<Config, 'instance'>;
  if (config.consumerClaimIdleMs < config.consumerLeaseMs) {
    throw new DataInsightError(
      'DI_CONFIG_INVALID',
      `invalid setting CONSUMER_CLAIM_IDLE_MS=${config.consumerClaimIdleMs}: must be >= CONSUMER_LEASE_MS (${config.consumerLeaseMs}) so a partition's old owner has stopped before its entries are taken`,
      { field: 'CONSUMER_CLAIM_IDLE_MS' },
    );
  }
  return { ...config, instance: config.instanceId || `${hostname()}-${process.pid}` };
}

/** The configuration as `datainsight config` prints it: every setting, secrets masked. */
export function describeConfig(config: Config): { setting: string; env: string; value: string }[] {
  return (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const spec = SETTINGS[key];
    const value = config[key];
    const shown =
      value === undefined
        ? '(unset)'
        : spec.secret
          ? maskUrl(String(value))
          : typeof value === 'string'
            ? value
            : JSON.stringify(value);
    return { setting: key, env: spec.env, value: shown };
  });
}
