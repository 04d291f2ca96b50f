import type { Db } from '../db/port.js';
import { formatTime } from '../notify/render.js';
import type { Channel, ContactAddress } from '../notify/port.js';
import type { ExportJob } from './jobs.js';
import type { LinkSigner } from './signing.js';

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const size = (bytes: number): string =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 ** 2
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/**
 * The "your export is ready" e-mail: to the requester's e-mail contact point, through the e-mail
 * channel adapter the notifier uses (so the same SMTP settings, Message-ID idempotency and error
 * classes apply). A request made with an API token, a user without an e-mail contact point, or a
 * deployment without SMTP gets no e-mail; the job records why (`notified`), and the downloads page
 * and the CLI still show the file.
 */
export class ReadyMail {
  constructor(
    private readonly db: Db,
    private readonly channel: Channel | undefined,
    private readonly signer: LinkSigner,
    private readonly publicUrl: string,
  ) {}

  /** Sends the e-mail when it can; returns what happened, for `export_jobs.notified`. */
  async send(job: ExportJob): Promise<string> {
    if (job.requestedByUser === null) return 'skipped: requested with an API token, no user to e-mail';
    const r = await this.db.query<{ address: ContactAddress; timezone: string }>(
      `select cp.address, u.timezone from contact_points cp join users u on u.id = cp.user_id
       where cp.user_id = $1 and cp.tenant_id = $2 and cp.kind = 'email' and cp.invalid_at is null
       order by cp.verified desc, cp.id limit 1`,
      [job.requestedByUser, job.tenantId],
    );
    const cp = r.rows[0];
    if (!cp) return 'skipped: the requester has no e-mail contact point';
    if (!this.channel) return 'skipped: no e-mail channel configured (SMTP_URL unset)';
    const url = this.publicUrl.replace(/\/$/, '') + this.signer.path(job.id, job.tenantId, job.expiresAt!);
    const until = formatTime(job.expiresAt!, cp.timezone || 'UTC');
    const what = `${job.rowsDone.toLocaleString('en')} rows, ${job.resolution}, ${job.format}, ${size(job.bytes ?? 0)}`;
    const subject = `Your export #${job.id} is ready`;
    const text = `Your DataInsight export #${job.id} is ready (${what}).\n\nDownload: ${url}\n\nThe link works until ${until}.`;
    await this.channel.send({
      to: cp.address,
      message: {
        subject,
        text,
        html:
          `<p><b>${escapeHtml(subject)}</b></p><p>${escapeHtml(what)}</p>` +
          `<p><a href="${escapeHtml(url)}">Download the file</a></p><p>The link works until ${escapeHtml(until)}.</p>`,
        url,
      },
      priority: 'low',
      idempotencyKey: `export-${job.id}`,
      ttlSeconds: Math.max(60, Math.floor((job.expiresAt! - Date.now()) / 1000)),
    });
    return `sent to ${(cp.address as { email?: string }).email ?? 'the e-mail contact point'}`;
  }
}
