import { ALERT_EVENTS_CHANNEL, type AlertEventsMessage } from '../bus/live-channels.js';
import type { Db } from '../db/port.js';
import { consumeStream } from '../runtime/consume.js';
import type { RoleStarter } from '../runtime/role.js';
import { RuleIndex } from './domain/rule-index.js';
import type { Rule } from './domain/rule.js';
import { AlertLog } from './engine/alert-log.js';
import { AssetCatalog } from './engine/asset-catalog.js';
import { Evaluator } from './engine/evaluator.js';
import { defineAlertStreams } from './engine/transition.js';
import { SilenceCache } from './manage/silences.js';

export const ALERTING_GROUP = 'alerting';

async function loadRules(
  db: Db,
  tenantId?: number,
  ruleId?: string,
): Promise<{ rules: Rule[]; stamp: number }> {
  const r = await db.query<{ definition: Rule; deleted_at: number | null }>(
    `select definition, deleted_at from alert_rules where ($1::int is null or (tenant_id = $1 and id = $2))`,
    [tenantId ?? null, ruleId ?? null],
  );
  const s = await db.query<{ stamp: number | null }>(
    'select max(greatest(updated_at, coalesce(deleted_at, 0)))::bigint as stamp from alert_rules',
  );
  return {
    rules: r.rows.filter((x) => x.deleted_at === null).map((x) => x.definition),
    stamp: s.rows[0]?.stamp ?? 0,
  };
}

/**
 * The alerting role: consumes the telemetry stream in group "alerting" and evaluates every reading
 * against the alert mapping table held in memory (master in the database). Edits reach it through
 * the change feed within milliseconds, and a poll of the table's last change every few seconds
 * catches any notification that was lost. Timers (for-durations, no-data, renotify) tick every second.
 */
export const startAlerting: RoleStarter = async (rt) => {
  const log = rt.logger.child({ role: 'alerting' });
  defineAlertStreams(rt.bus);
  const initial = await loadRules(rt.db);
  let stamp = initial.stamp;
  const index = new RuleIndex(initial.rules);
  const silences = new SilenceCache({ db: rt.db, feed: rt.feed });
  await silences.start();
  const evaluator = new Evaluator({
    db: rt.db,
    bus: rt.bus,
    rules: index,
    catalog: new AssetCatalog(rt.db),
    log: new AlertLog(),
    logger: log,
    metrics: rt.metrics,
    onLogged: (tenantIds) => {
      for (const tenantId of tenantIds)
        void rt.feed
          .publish(ALERT_EVENTS_CHANNEL, { tenantId } satisfies AlertEventsMessage)
          .catch((err: unknown) => log.warn({ err }, 'could not announce alert changes'));
    },
    silences: {
      prepare: (tenantIds) => silences.ready(tenantIds),
      silenced: (subject, assetType, ts) =>
        silences.silencedNow(subject.tenantId, { ...subject, assetType }, ts),
    },
  });

  // handle() and tick() share the evaluator's state: run them one at a time.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const reloadAll = async () => {
    const { rules, stamp: s } = await loadRules(rt.db);
    const keep = new Set(rules.map((r) => `${r.tenant}/${r.id}`));
    for (const r of rules) index.upsert(r);
    for (const r of initial.rules) if (!keep.has(`${r.tenant}/${r.id}`)) index.remove(r.tenant, r.id);
    stamp = s;
  };
  const offRules = await rt.feed.subscribe('rules', (m) => {
    const { tenantId, ruleId } = m as { tenantId: number; ruleId: string };
    void serial(async () => {
      const r = await rt.db.query<{ definition: Rule; deleted_at: number | null; slug: string }>(
        `select r.definition, r.deleted_at, t.slug from alert_rules r join tenants t on t.id = r.tenant_id where r.tenant_id = $1 and r.id = $2`,
        [tenantId, ruleId],
      );
      const row = r.rows[0];
      if (!row || row.deleted_at !== null) {
        if (row) index.remove(row.slug, ruleId);
        if (row) evaluator.forgetRule(row.slug, ruleId);
      } else index.upsert(row.definition);
      log.info({ tenantId, ruleId, removed: !row || row.deleted_at !== null }, 'rule change applied');
    }).catch((e: unknown) =>
      log.error({ err: e }, 'applying a rule change failed; the periodic reload will retry'),
    );
  });
  const offAlerts = await rt.feed.subscribe('alerts', (m) => {
    const { fingerprint } = m as { fingerprint: string };
    void serial(async () => evaluator.forget(fingerprint));
  });

  await rt.bus.ensureGroup(rt.telemetry.name, ALERTING_GROUP);
  const consumer = consumeStream(rt, {
    stream: rt.telemetry,
    group: ALERTING_GROUP,
    handle: (entries) => serial(() => evaluator.handle(entries)),
    logger: log,
  });
  consumer.start();

  let owned = '';
  let ticks = 0;
  const owns = (tenant: string, location: string, asset: string) =>
    consumer
      .ownedPartitions()
      .includes(rt.bus.partitionOf(rt.telemetry.name, `${tenant}/${location}/${asset}`));
  const timer = setInterval(() => {
    void serial(async () => {
      const now = Date.now();
      const current = consumer.ownedPartitions().join(',');
      if (current !== owned) {
        owned = current;
        evaluator.release(owns);
        const n = await evaluator.adopt(owns);
        if (n) log.info({ adopted: n }, 'took over alert states of newly owned partitions');
      }
      if (++ticks % 5 === 0) {
        const s = await rt.db.query<{ stamp: number | null }>(
          'select max(greatest(updated_at, coalesce(deleted_at, 0)))::bigint as stamp from alert_rules',
        );
        if ((s.rows[0]?.stamp ?? 0) !== stamp) await reloadAll();
      }
      await evaluator.tick(now);
    }).catch((e: unknown) => log.error({ err: e }, 'alerting tick failed'));
  }, 1000);
  timer.unref();

  return {
    describe: () => [
      `alerting: ${index.size} rules, consuming "${rt.telemetry.name}" as group "${ALERTING_GROUP}"`,
    ],
    async close() {
      clearInterval(timer);
      await offRules();
      await offAlerts();
      await consumer.close();
      await chain;
      await silences.close();
    },
  };
};
