import type { Rejection } from '../ingest/reading.js';

/**
 * A send that did not go through. Whether to try again later is decided from `retryable`, never from
 * the message. Everything before `unsentFrom` in the caller's records was answered by the server
 * (accepted, or rejected one by one in `rejected`); from `unsentFrom` on, nothing was accepted, and
 * sending those records again is safe because storage keeps one value per sensor, parameter and time.
 */
export class IngestError extends Error {
  /** HTTP status, or undefined when no response arrived (network failure, timeout). */
  readonly status: number | undefined;
  /** The server's error code (e.g. DI_UNAUTHORIZED), or NETWORK / HTTP_<status> when it sent none. */
  readonly code: string;
  readonly retryable: boolean;
  /** The server's Retry-After, when it gave one. */
  readonly retryAfterMs: number | undefined;
  /** Per-record reasons from the server, indexed into the caller's records. */
  readonly rejected: Rejection[];
  readonly unsentFrom: number;

  constructor(
    message: string,
    opts: {
      status?: number;
      code: string;
      retryable: boolean;
      retryAfterMs?: number;
      rejected?: Rejection[];
      unsentFrom: number;
      cause?: unknown;
    },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IngestError';
    this.status = opts.status;
    this.code = opts.code;
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.rejected = opts.rejected ?? [];
    this.unsentFrom = opts.unsentFrom;
  }
}
