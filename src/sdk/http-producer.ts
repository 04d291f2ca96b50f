import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import type { Rejection } from '../ingest/reading.js';
import { DataInsightError } from '../platform/errors.js';
import { IngestError } from './errors.js';
import {
  DEFAULT_RETRY_POLICY,
  backoffMs,
  parseRetryAfter,
  sleep as realSleep,
  type RetryPolicy,
  type Sleep,
} from './retry.js';
import { assertKeySegment, type Values } from './wire.js';

const gzip = promisify(gzipCallback);

/** One sensor's values at one instant, addressed within the token's tenant. */
export interface HttpRecord {
  location: string;
  asset: string;
  sensor: string;
  /** UTC epoch ms; defaults to the time the batch is first sent. */
  ts?: number;
  values: Values;
}

export interface HttpProducerOptions {
  /** Where the API is served, e.g. http://localhost:8080 (a path prefix is kept). */
  baseUrl: string;
  /** The tenant's API token. */
  token: string;
  /** The tenant the token belongs to; named in errors so a caller feeding many tenants knows whose send failed. */
  tenant: string;
  /** Compress request bodies (Content-Encoding: gzip). Default false. */
  gzip?: boolean;
  /** Records per request (default 1000); larger sends are split and sent one request after another. */
  maxBatch?: number;
  /** Per attempt (default 30 s); a timeout is retried like a network error. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  now?: () => number;
  sleep?: Sleep;
}

export interface SendResult {
  accepted: number;
  /** Records the server refused, indexed into the records given to send(). */
  rejected: Rejection[];
}

export interface HttpProducer {
  /**
   * Resolves once the server has answered every record (2xx: accepted ones are durable). Throws
   * IngestError on a failure it will not or can no longer retry, or the signal's reason on abort.
   */
  send(records: readonly HttpRecord[], opts?: { signal?: AbortSignal }): Promise<SendResult>;
}

/** Statuses that mean "not now" rather than "not this": 429 and the gateway/overload family. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

export function createHttpProducer(opts: HttpProducerOptions): HttpProducer {
  assertKeySegment('tenant', opts.tenant);
  const url = ingestUrl(opts.baseUrl);
  const maxBatch = opts.maxBatch ?? 1000;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
    throw new DataInsightError('DI_CONFIG_INVALID', `maxBatch must be a positive integer, got ${maxBatch}`, {
      field: 'maxBatch',
    });
  }
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? realSleep;
  const headers: Record<string, string> = {
    authorization: `Bearer ${opts.token}`,
    'content-type': 'application/json',
    ...(opts.gzip ? { 'content-encoding': 'gzip' } : {}),
  };

  async function postChunk(
    chunk: readonly HttpRecord[],
    offset: number,
    signal?: AbortSignal,
  ): Promise<SendResult> {
    // Stamped once, before the first attempt: a retried record must keep its timestamp, so that
    // storage's one-value-per-(sensor, parameter, ts) rule turns a duplicate delivery into a no-op.
    const stamp = now();
    const json = JSON.stringify({
      readings: chunk.map((r) => ({
        location: r.location,
        asset: r.asset,
        sensor: r.sensor,
        ts: r.ts ?? stamp,
        values: r.values,
      })),
    });
    const body = opts.gzip ? await gzip(json) : json;
    for (let retry = 0; ; retry++) {
      const outcome = await attempt(body, chunk.length, offset, signal);
      if (!(outcome instanceof IngestError)) return outcome;
      const wait = outcome.retryAfterMs ?? backoffMs(retry, policy);
      if (!outcome.retryable || retry >= policy.maxRetries || wait > policy.maxRetryAfterMs) throw outcome;
      await sleep(wait, signal);
    }
  }

  async function attempt(
    body: string | Buffer,
    size: number,
    offset: number,
    signal?: AbortSignal,
  ): Promise<SendResult | IngestError> {
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await res.text();
    } catch (cause) {
      // The caller's own abort ends the send; anything else (refused, reset, timeout) is transient.
      if (signal?.aborted) throw signal.reason;
      return new IngestError(
        `ingest for tenant ${opts.tenant}: no response from ${url} (${describe(cause)})`,
        {
          code: 'NETWORK',
          retryable: true,
          unsentFrom: offset,
          cause,
        },
      );
    }
    const payload = parseJson(text);
    if (res.ok) {
      const rejected = rejections(field(payload, 'rejected'), offset);
      const accepted = field(payload, 'accepted');
      return { accepted: typeof accepted === 'number' ? accepted : size - rejected.length, rejected };
    }
    const code = field(payload, 'code');
    const message = field(payload, 'message');
    return new IngestError(
      `ingest for tenant ${opts.tenant}: HTTP ${res.status}${typeof message === 'string' ? `: ${message}` : ''}`,
      {
        status: res.status,
        code: typeof code === 'string' ? code : `HTTP_${res.status}`,
        retryable: RETRYABLE_STATUS.has(res.status),
        retryAfterMs: parseRetryAfter(res.headers.get('retry-after'), now()),
        rejected: rejections(field(payload, 'errors'), offset),
        unsentFrom: offset,
      },
    );
  }

  return {
    async send(records, { signal } = {}) {
      const result: SendResult = { accepted: 0, rejected: [] };
      // One request at a time keeps each sensor's readings in order (the server evaluates them in
      // arrival order) and lets a failure say exactly which records are still unsent.
      for (let offset = 0; offset < records.length; offset += maxBatch) {
        const part = await postChunk(records.slice(offset, offset + maxBatch), offset, signal);
        result.accepted += part.accepted;
        result.rejected.push(...part.rejected);
      }
      return result;
    },
  };
}

function ingestUrl(baseUrl: string): string {
  try {
    return new URL(`${baseUrl.replace(/\/+$/, '')}/api/v1/ingest`).toString();
  } catch {
    throw new DataInsightError('DI_CONFIG_INVALID', `baseUrl "${baseUrl}" is not an absolute URL`, {
      field: 'baseUrl',
    });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function field(obj: unknown, name: string): unknown {
  return typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[name] : undefined;
}

/** The server's per-record list, re-indexed from its request to the caller's records. */
function rejections(list: unknown, offset: number): Rejection[] {
  if (!Array.isArray(list)) return [];
  return list.map((item: unknown) => {
    const index = field(item, 'index');
    const name = field(item, 'field');
    const reason = field(item, 'reason') ?? field(item, 'message');
    return {
      index: offset + (typeof index === 'number' ? index : 0),
      field: typeof name === 'string' ? name : '',
      reason: typeof reason === 'string' ? reason : 'rejected',
    };
  });
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return `${cause.message}${inner}`;
}
