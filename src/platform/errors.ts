/**
 * One registry of coded errors. Every error a user or operator can see carries a stable code, an HTTP
 * status and whether retrying can help. `errors.test.ts` checks codes are unique and documented in
 * docs/errors.md.
 */

export interface ErrorSpec {
  status: number;
  retryable: boolean;
  /** What it means, for the docs. */
  doc: string;
}

export const ERROR_CODES = {
  DI_CONFIG_INVALID: {
    status: 500,
    retryable: false,
    doc: 'A setting is missing or malformed; the message names it.',
  },
  DI_PORT_IN_USE: {
    status: 500,
    retryable: false,
    doc: 'A listening port is taken by another program; the message names the setting to change.',
  },
  DI_DEPENDENCY_UNAVAILABLE: {
    status: 503,
    retryable: true,
    doc: 'The database, Redis or MQTT broker did not answer.',
  },
  DI_MIGRATION_FAILED: {
    status: 500,
    retryable: false,
    doc: 'A database migration failed; the message names it.',
  },
  DI_BAD_REQUEST: {
    status: 400,
    retryable: false,
    doc: 'The request is malformed; `field` names what is wrong.',
  },
  DI_VALIDATION: {
    status: 400,
    retryable: false,
    doc: 'One or more records failed validation; `errors` lists each with its index, field and reason.',
  },
  DI_UNAUTHORIZED: { status: 401, retryable: false, doc: 'No or invalid credentials.' },
  DI_FORBIDDEN: { status: 403, retryable: false, doc: 'The credentials do not allow this action.' },
  DI_NOT_FOUND: { status: 404, retryable: false, doc: 'No such resource in your tenant.' },
  DI_CONFLICT: { status: 409, retryable: false, doc: 'The resource already exists or changed meanwhile.' },
  DI_PAYLOAD_TOO_LARGE: {
    status: 413,
    retryable: false,
    doc: 'The request body exceeds the configured limit.',
  },
  DI_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retryable: false,
    doc: 'The Content-Type or Content-Encoding is not accepted here.',
  },
  DI_RATE_LIMITED: {
    status: 429,
    retryable: true,
    doc: 'Too many requests; retry after the indicated delay.',
  },
  DI_SHUTTING_DOWN: {
    status: 503,
    retryable: true,
    doc: 'The process is draining for shutdown; retry on another instance.',
  },
  DI_LINK_INVALID: {
    status: 403,
    retryable: false,
    doc: 'A signed download link is incomplete, altered or signed for another export; ask for a new one.',
  },
  DI_LINK_EXPIRED: {
    status: 410,
    retryable: false,
    doc: 'A download link, or the export file it points to, has expired; request the export again.',
  },
  DI_SOURCE_UNAVAILABLE: {
    status: 502,
    retryable: true,
    doc: "A connector's source (customer database or file directory) could not be read; the message gives the source's own error.",
  },
  DI_INTERNAL: { status: 500, retryable: true, doc: 'An unexpected error; it is logged with a request id.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class DataInsightError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** The offending setting, field or path, when one is to blame. */
  readonly field: string | undefined;
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { field?: string; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DataInsightError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.retryable = ERROR_CODES[code].retryable;
    this.field = opts.field;
    this.details = opts.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isDataInsightError(e: unknown, code?: ErrorCode): e is DataInsightError {
  return e instanceof DataInsightError && (code === undefined || e.code === code);
}
