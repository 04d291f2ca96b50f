/**
 * Errors that steer retries, decided by `instanceof` and classified inside the adapter that knows the
 * provider's codes. Anything else thrown by a channel is transient: retried with backoff and jitter
 * within the priority's deadline.
 */

/** Do not retry on this contact point: the address is wrong, the user unsubscribed, the bot is blocked. */
export class PermanentDeliveryError extends Error {
  override readonly name = 'PermanentDeliveryError';
  constructor(
    message: string,
    /** True when the provider says the contact point itself is bad (mark it invalid). */
    readonly contactInvalid = false,
    /** Provider's own code, for the delivery log. */
    readonly providerCode?: string,
  ) {
    super(message);
  }
}

/** The provider asked us to slow down; retry after this long (Retry-After, retry_after). */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** A status webhook that is not signed by the provider: answered 401/403, changes nothing. */
export class WebhookAuthError extends Error {
  override readonly name = 'WebhookAuthError';
  constructor(
    message: string,
    readonly status: 401 | 403 = 403,
  ) {
    super(message);
  }
}
