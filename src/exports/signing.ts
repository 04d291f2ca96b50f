import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/port.js';
import { DataInsightError } from '../platform/errors.js';

/**
 * Signed download links: HMAC-SHA256 over (job id, tenant id, expiry) with a server secret. A link is
 * a capability (it works from an e-mail, without a session), bound to one job of one tenant until its
 * expiry; changing any of the three breaks the signature.
 *
 * The secret is EXPORT_LINK_SECRET when set (rotate it to revoke every link); otherwise one is
 * generated on first use and stored in the database, so every API process of a deployment signs and
 * verifies with the same key and links survive restarts.
 */
export class LinkSigner {
  private constructor(private readonly key: Buffer) {}

  static fromSecret(secret: string): LinkSigner {
    return new LinkSigner(Buffer.from(secret, 'utf8'));
  }

  static async load(db: Db, configured: string | undefined): Promise<LinkSigner> {
    if (configured) return LinkSigner.fromSecret(configured);
    await db.query(
      `insert into export_signing_keys (id, secret, created_at) values (1, $1, $2) on conflict (id) do nothing`,
      [randomBytes(32).toString('base64url'), Date.now()],
    );
    const r = await db.query<{ secret: string }>('select secret from export_signing_keys where id = 1');
    return LinkSigner.fromSecret(r.rows[0]!.secret);
  }

  sign(jobId: number, tenantId: number, expiresAt: number): string {
    return createHmac('sha256', this.key)
      .update(`export:${jobId}:${tenantId}:${expiresAt}`)
      .digest('base64url');
  }

  /** Path and query of the download link (prefix it with PUBLIC_URL). */
  path(jobId: number, tenantId: number, expiresAt: number): string {
    const sig = this.sign(jobId, tenantId, expiresAt);
    return `/api/v1/exports/${jobId}/download?tenant=${tenantId}&expires=${expiresAt}&sig=${sig}`;
  }

  /** Throws DI_LINK_INVALID (403) for a forged or altered link, DI_LINK_EXPIRED (410) past its expiry. */
  verify(
    jobId: number,
    q: { tenant?: unknown; expires?: unknown; sig?: unknown },
    now: number,
  ): { tenantId: number } {
    const tenantId = Number(q.tenant);
    const expiresAt = Number(q.expires);
    const sig = typeof q.sig === 'string' ? q.sig : '';
    if (
      !Number.isSafeInteger(jobId) ||
      !Number.isSafeInteger(tenantId) ||
      !Number.isSafeInteger(expiresAt) ||
      !sig
    ) {
      throw new DataInsightError(
        'DI_LINK_INVALID',
        'this download link is incomplete: it needs tenant, expires and sig',
        {
          field: 'sig',
        },
      );
    }
    const want = Buffer.from(this.sign(jobId, tenantId, expiresAt));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) {
      throw new DataInsightError(
        'DI_LINK_INVALID',
        'this download link is not valid (altered or signed for another export); ask for a new one on the downloads page',
        { field: 'sig' },
      );
    }
    if (expiresAt <= now) {
      throw new DataInsightError(
        'DI_LINK_EXPIRED',
        `this download link expired at ${new Date(expiresAt).toISOString()}; request the export again`,
        { field: 'expires' },
      );
    }
    return { tenantId };
  }
}
