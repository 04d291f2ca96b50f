import type { Bus, BusEntry } from '../../src/bus/port.js';
import type { Db } from '../../src/db/port.js';
import { validateRule, type RuleInput } from '../../src/alerting/domain/rule.js';
import {
  ALERT_STREAM_SPEC,
  ALERT_STREAMS,
  type AlertTransition,
} from '../../src/alerting/engine/transition.js';
import type { ChangeFeed } from '../../src/bus/feed.js';

/** Save a rule straight into the master table and announce it, as the rules API does. */
export async function putRule(db: Db, feed: ChangeFeed, tenantId: number, input: RuleInput): Promise<void> {
  const rule = validateRule(input);
  await db.query(
    `insert into alert_rules (tenant_id, id, definition) values ($1, $2, $3)
     on conflict (tenant_id, id) do update set definition = excluded.definition, version = alert_rules.version + 1,
       updated_at = (extract(epoch from now()) * 1000)::bigint`,
    [tenantId, rule.id, JSON.stringify(rule)],
  );
  await feed.publish('rules', { tenantId, ruleId: rule.id });
}

/** Everything on an alert stream so far, read through a consumer group of the test's own. */
export async function readAlertStream(
  bus: Bus,
  priority: keyof typeof ALERT_STREAMS,
  group: string,
): Promise<AlertTransition[]> {
  const name = ALERT_STREAMS[priority];
  bus.defineStream({ name, ...ALERT_STREAM_SPEC });
  await bus.ensureGroup(name, group);
  const out: BusEntry[] = [];
  for (;;) {
    const batch = await bus.read({
      stream: name,
      group,
      consumer: 'test',
      partitions: [0, 1, 2, 3],
      count: 1000,
      blockMs: 0,
    });
    if (batch.length === 0) break;
    out.push(...batch);
    await bus.ack(name, group, batch);
  }
  return out.map((e) => JSON.parse(e.payload) as AlertTransition);
}
