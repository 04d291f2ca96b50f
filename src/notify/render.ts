import type { AlertTransition } from '../alerting/engine/transition.js';
import type { RenderedMessage } from './port.js';

/**
 * The brief's template, per channel: alert summary (timestamp in the person's zone, priority), asset
 * name with location, suggested action, a link to the alert; resolved notices when it clears; a
 * compact list when several alerts go out together (a high-priority batch, a medium group, a digest).
 */

export interface RenderContext {
  timeZone: string;
  /** Base URL of the web app, for links (e.g. https://datainsight.example.com). */
  appUrl: string;
  /** Tenant's WhatsApp template for alerts (an approved template with 5 body parameters). */
  whatsappTemplate?: { name: string; language: string };
}

const PRIORITY_LABEL = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW' } as const;

const KIND_LABEL: Record<AlertTransition['kind'], string> = {
  firing: 'Alert',
  resolved: 'Resolved',
  renotify: 'Still firing',
  flapping: 'Flapping',
  acknowledged: 'Acknowledged',
};

export function formatTime(ts: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  }).format(new Date(ts));
  return parts.replace(',', '');
}

const escapeHtml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const where = (t: AlertTransition): string => `${t.asset} (${t.location})`;
const alertUrl = (t: AlertTransition, ctx: RenderContext): string =>
  `${ctx.appUrl.replace(/\/$/, '')}/alerts/${encodeURIComponent(t.fingerprint)}?firedAt=${t.firedAt}`;

function one(t: AlertTransition, ctx: RenderContext): RenderedMessage {
  const when = formatTime(t.ts, ctx.timeZone);
  const head = `${KIND_LABEL[t.kind]} [${PRIORITY_LABEL[t.priority]}]: ${t.title}`;
  const url = alertUrl(t, ctx);
  const action = t.kind === 'resolved' ? 'No action needed: the condition has cleared.' : t.action;
  const lines = [head, `When: ${when}`, `Asset: ${where(t)}`, ...(action ? [`Action: ${action}`] : []), url];
  const html =
    `<p><b>${escapeHtml(head)}</b></p><p>When: ${escapeHtml(when)}<br>Asset: ${escapeHtml(where(t))}</p>` +
    (action ? `<p>${escapeHtml(action)}</p>` : '') +
    `<p><a href="${escapeHtml(url)}">Open the alert</a></p>`;
  return {
    subject: head,
    text: lines.join('\n'),
    html,
    url,
    json: { type: `alert.${t.kind}`, key: t.key, alert: t, url },
    ...(ctx.whatsappTemplate
      ? {
          whatsappTemplate: {
            ...ctx.whatsappTemplate,
            parameters: [
              `${KIND_LABEL[t.kind]} ${PRIORITY_LABEL[t.priority]}`,
              t.title,
              when,
              where(t),
              action || '-',
            ],
          },
        }
      : {}),
  };
}

function many(ts: AlertTransition[], ctx: RenderContext, heading: string): RenderedMessage {
  const items = ts.map(
    (t) =>
      `- ${KIND_LABEL[t.kind]} [${PRIORITY_LABEL[t.priority]}] ${formatTime(t.ts, ctx.timeZone)}: ${t.title} - ${where(t)}`,
  );
  const url = `${ctx.appUrl.replace(/\/$/, '')}/alerts`;
  const subject = `${heading}: ${ts.length} alert updates`;
  return {
    subject,
    text: [subject, ...items, url].join('\n'),
    html: `<p><b>${escapeHtml(subject)}</b></p><ul>${items.map((i) => `<li>${escapeHtml(i.slice(2))}</li>`).join('')}</ul><p><a href="${escapeHtml(url)}">Open alerts</a></p>`,
    url,
    json: { type: 'alert.batch', alerts: ts, url },
    ...(ctx.whatsappTemplate
      ? {
          whatsappTemplate: {
            ...ctx.whatsappTemplate,
            parameters: [
              heading,
              `${ts.length} alert updates`,
              formatTime(ts[0]!.ts, ctx.timeZone),
              ts.map(where).slice(0, 3).join(', '),
              url,
            ],
          },
        }
      : {}),
  };
}

/** Render one transition, or several sent together; each channel adapter takes the parts it can carry. */
export function render(
  transitions: AlertTransition[],
  ctx: RenderContext,
  heading = 'Alert summary',
): RenderedMessage {
  if (transitions.length === 0) throw new Error('nothing to render');
  return transitions.length === 1 ? one(transitions[0]!, ctx) : many(transitions, ctx, heading);
}
