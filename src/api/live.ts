/**
 * Live updates for the web app over Server-Sent Events: `GET /api/v1/live` streams the latest values of
 * the series a page watches (as soon as the storage role has stored them) and a nudge when the
 * tenant's alerts change. It is push, not a poll per browser: the storage role announces what it
 * stored on the change feed ("stored": tenant and sensor paths), the alerting side announces alert
 * changes ("alert-events"), and each connection reads `latest` only when one of its series moved.
 *
 * Isolation: the watched series are resolved in the caller's tenant (a series id of another tenant is
 * a 404 before the stream opens), feed messages are matched by tenant, and the credentials are checked
 * again every few seconds, so signing out or switching tenant ends the stream.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import type { ChangeFeed } from '../bus/feed.js';
import {
  ALERT_EVENTS_CHANNEL,
  STORED_CHANNEL,
  type AlertEventsMessage,
  type StoredMessage,
} from '../bus/live-channels.js';
import { authenticate, principalOf, requireScope } from '../iam/auth.js';
import type { CredentialVerifier } from '../iam/credentials.js';
import { DataInsightError } from '../platform/errors.js';
import type { Catalog } from '../storage/catalog.js';
import { documented, queryBoolean, zodValidatorCompiler } from './http-schema.js';

export interface LiveOptions {
  catalog: Catalog;
  feed: ChangeFeed;
  verifier: CredentialVerifier;
  /** Coalescing window: at most one read of `latest` per connection per window. */
  flushMs?: number;
  /** Keep-alive comment and credential re-check interval. */
  heartbeatMs?: number;
  maxSeries?: number;
}

const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

const LiveQuery = z.looseObject({
  series: z
    .union([z.coerce.number().int().positive(), z.array(z.coerce.number().int().positive())])
    .optional(),
  sensor: z.union([z.string(), z.array(z.string())]).optional(),
  location: z.string().optional(),
  asset: z.string().optional(),
  alerts: queryBoolean.optional().describe('Also send an "alerts" event when the tenant\'s alerts change'),
});

interface Connection {
  tenantId: number;
  tenant: string;
  /** Watched sensor paths (location/asset/sensor) -> series ids. */
  sensors: Set<string>;
  onStored(): void;
  onAlerts(): void;
  close(): void;
}

export function liveRoutes(o: LiveOptions): FastifyPluginAsync {
  const flushMs = o.flushMs ?? 250;
  const heartbeatMs = o.heartbeatMs ?? 15_000;
  const maxSeries = o.maxSeries ?? 200;
  return async (app) => {
    app.setValidatorCompiler(zodValidatorCompiler);
    const connections = new Set<Connection>();
    const offStored = await o.feed.subscribe(STORED_CHANNEL, (m) => {
      const msg = m as StoredMessage;
      for (const c of connections) {
        if (c.tenant !== msg.tenant) continue;
        if (!msg.sensors || msg.sensors.some((s) => c.sensors.has(s))) c.onStored();
      }
    });
    const offAlerts = await o.feed.subscribe(ALERT_EVENTS_CHANNEL, (m) => {
      const msg = m as AlertEventsMessage;
      for (const c of connections) if (c.tenantId === msg.tenantId) c.onAlerts();
    });
    // Open streams would hold the server open on shutdown: end them first (the browser reconnects).
    app.addHook('preClose', async () => {
      for (const c of connections) c.close();
    });
    app.addHook('onClose', async () => {
      await offStored();
      await offAlerts();
    });

    app.get(
      '/live',
      {
        preHandler: requireScope(o.verifier, 'read'),
        schema: {
          tags: ['live'],
          summary:
            'Server-Sent Events: "latest" (values of the watched series as they are stored) and "alerts" (the tenant\'s alerts changed)',
          querystring: documented(LiveQuery),
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const q = req.query as z.output<typeof LiveQuery>;
        const ids = q.series === undefined ? [] : Array.isArray(q.series) ? q.series : [q.series];
        const filter = {
          ids: ids.length ? ids : undefined,
          sensors: list(q.sensor),
          location: q.location,
          asset: q.asset,
        };
        const watched =
          ids.length || filter.sensors.length || q.location || q.asset
            ? await o.catalog.series(p.tenantId, filter)
            : [];
        const missing = ids.find((id) => !watched.some((s) => s.seriesId === id));
        if (missing !== undefined)
          throw new DataInsightError('DI_NOT_FOUND', `no series ${missing} in this tenant`, {
            field: 'series',
          });
        if (watched.length > maxSeries)
          throw new DataInsightError(
            'DI_BAD_REQUEST',
            `watch at most ${maxSeries} series on one stream (asked for ${watched.length})`,
            {
              field: 'series',
            },
          );

        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-transform',
          connection: 'keep-alive',
          // Proxies (nginx) must not buffer the stream.
          'x-accel-buffering': 'no',
        });
        const send = (event: string, data: unknown) =>
          res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);

        const seriesIds = watched.map((s) => s.seriesId);
        const lastTs = new Map<number, number>();
        let closed = false;
        let flushing = false;
        let pending = false;
        let timer: ReturnType<typeof setTimeout> | undefined;

        /** Read `latest` for the watched series and send what moved since the last send. */
        const flush = async (): Promise<void> => {
          if (closed || !seriesIds.length) return;
          if (flushing) {
            pending = true;
            return;
          }
          flushing = true;
          try {
            const rows = await o.catalog.latest(p.tenantId, { ids: seriesIds });
            const moved = rows.filter((r) => r.ts !== null && r.ts !== lastTs.get(r.seriesId));
            for (const r of moved) lastTs.set(r.seriesId, r.ts!);
            if (moved.length && !closed)
              send(
                'latest',
                moved.map((r) => ({ seriesId: r.seriesId, ts: r.ts, value: r.value })),
              );
          } catch (e) {
            req.log.warn({ err: e }, 'live: reading latest values failed');
          } finally {
            flushing = false;
          }
          if (pending) {
            pending = false;
            schedule();
          }
        };
        const schedule = () => {
          timer ??= setTimeout(() => {
            timer = undefined;
            void flush();
          }, flushMs);
        };

        const conn: Connection = {
          close: () => close(),
          tenantId: p.tenantId,
          tenant: p.tenant,
          sensors: new Set(watched.map((s) => `${s.location}/${s.asset}/${s.sensor}`)),
          onStored: schedule,
          onAlerts: () => {
            if (q.alerts && !closed) send('alerts', { at: Date.now() });
          },
        };

        const close = () => {
          if (closed) return;
          closed = true;
          connections.delete(conn);
          clearTimeout(timer);
          clearInterval(beat);
          res.end();
        };
        const beat = setInterval(() => {
          res.write(': keep-alive\n\n');
          authenticate(o.verifier, req).then(
            (now) => {
              if (now.tenantId !== p.tenantId) {
                send('bye', { reason: 'the session switched tenant' });
                close();
              }
            },
            () => {
              send('bye', { reason: 'signed out or session expired' });
              close();
            },
          );
        }, heartbeatMs);
        req.raw.on('close', close);

        connections.add(conn);
        send('hello', { series: seriesIds, alerts: q.alerts === true, retryMs: 2000 });
        await flush();
      },
    );
  };
}
