import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_ADAPTERS } from '../../../test/support/db.js';
import { MemoryFeed } from '../../bus/feed.js';
import { MemoryBus } from '../../bus/memory.js';
import type { Db, Queryable } from '../../db/port.js';
import { isDataInsightError } from '../../platform/errors.js';
import { silentLogger } from '../../platform/logger.js';
import type { AlertEvent, AlertState } from '../domain/alert-state.js';
import { AlertLog } from '../engine/alert-log.js';
import { toTransition, type AlertSubject } from '../engine/transition.js';
import { AlertActions } from './alert-actions.js';

const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);

for (const adapter of DB_ADAPTERS) {
  describe(`alert actions: ${adapter.name}`, () => {
    let db: Db & { drop(): Promise<void> };
    let tenantId: number;
    const log = new AlertLog();
    const actor = () => ({ tenantId, tenant: 'acme', by: 'token:ops' });

    const subject = (asset: string): AlertSubject => ({
      tenantId,
      tenant: 'acme',
      ruleId: 'hot',
      priority: 'critical',
      fingerprint: `acme/hot/hq/${asset}/s`,
      location: 'hq',
      asset,
      sensor: 's',
      parameter: 'temp',
    });

    /** The evaluator's part: a firing state and its alert; returns the alert id. */
    async function fire(asset: string, firedAt: number, prior?: number): Promise<number> {
      const s = subject(asset);
      const state: AlertState = {
        status: 'firing',
        firedAt,
        since: firedAt,
        watermark: firedAt,
        changes: [],
      };
      await log.saveState(db, s, state, prior, firedAt);
      const e: AlertEvent = { kind: 'firing', ts: firedAt, value: 30, activeSince: firedAt };
      await log.record(db, [toTransition(s, e, { title: 'hot', action: '' })!]);
      const r = await db.query<{ id: number }>(
        'select id from alerts where fingerprint = $1 and fired_at = $2',
        [s.fingerprint, firedAt],
      );
      return r.rows[0]!.id;
    }

    /** A Db whose transactions first let "an evaluator" bump the fingerprint's state (`times` times). */
    function racing(fingerprint: string, times: number): Db {
      let left = times;
      const wrapped = Object.create(db) as Db;
      wrapped.transaction = async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
        if (left-- > 0) {
          await db.query(
            `update alert_states set version = version + 1, state = jsonb_set(state, '{lastValue}', '99')
             where fingerprint = $1`,
            [fingerprint],
          );
        }
        return db.transaction(fn);
      };
      return wrapped;
    }

    const actions = (d: Db = db, maxAttempts = 5) =>
      new AlertActions({
        db: d,
        bus: new MemoryBus(),
        feed: new MemoryFeed(),
        logger: silentLogger(),
        maxAttempts,
      });

    beforeAll(async () => {
      db = await adapter.open();
      const r = await db.query<{ id: number }>(
        `insert into tenants (slug, name) values ('acme', 'Acme') returning id`,
      );
      tenantId = r.rows[0]!.id;
      await db.query(`insert into alert_rules (tenant_id, id, definition) values ($1, 'hot', '{}')`, [
        tenantId,
      ]);
    });
    afterAll(() => db?.drop());

    it('re-reads and applies again when an evaluator saved the state meanwhile, keeping its change', async () => {
      const id = await fire('a', T0);
      const alert = await actions(racing('acme/hot/hq/a/s', 2)).apply(
        'acknowledge',
        actor(),
        id,
        'mine',
        T0 + 1000,
      );
      expect(alert).toMatchObject({ acknowledgedBy: 'token:ops', acknowledgedAt: T0 + 1000 });
      const stored = (await log.loadStates(db, ['acme/hot/hq/a/s'])).get('acme/hot/hq/a/s')!;
      // 1 (fired) + 2 (the evaluator) + 1 (the acknowledgement)
      expect(stored.version).toBe(4);
      expect(stored.state).toMatchObject({ lastValue: 99, acknowledged: { by: 'token:ops', ts: T0 + 1000 } });
    });

    it('gives up with DI_CONFLICT when the state keeps changing', async () => {
      const id = await fire('b', T0);
      const err = await actions(racing('acme/hot/hq/b/s', 10), 3)
        .apply('resolve', actor(), id, undefined, T0 + 1000)
        .catch((e: unknown) => e);
      expect(isDataInsightError(err, 'DI_CONFLICT')).toBe(true);
      const r = await db.query<{ status: string }>('select status from alerts where id = $1', [id]);
      expect(r.rows[0]!.status).toBe('firing');
    });

    it('acts only on the episode the alert is: once its fingerprint fired again, the old alert is resolved', async () => {
      const first = await fire('c', T0);
      await actions().apply('resolve', actor(), first, 'done', T0 + 1000);
      const second = await fire('c', T0 + 5000, 2);
      const err = await actions()
        .apply('acknowledge', actor(), first, undefined, T0 + 6000)
        .catch((e: unknown) => e);
      expect(isDataInsightError(err, 'DI_CONFLICT')).toBe(true);
      const ack = await actions().apply('acknowledge', actor(), second, undefined, T0 + 6000);
      expect(ack).toMatchObject({ id: second, acknowledgedBy: 'token:ops' });
    });

    it('is not found for another tenant, whatever the id', async () => {
      const id = await fire('d', T0);
      const err = await actions()
        .apply('acknowledge', { ...actor(), tenantId: tenantId + 1 }, id, undefined, T0 + 1)
        .catch((e: unknown) => e);
      expect(isDataInsightError(err, 'DI_NOT_FOUND')).toBe(true);
    });
  });
}
