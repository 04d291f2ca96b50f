/**
 * Alerting: evaluation throughput of the rule index (10,000 rules over 100,000 sensors) beside a
 * naive scan of the whole table, and the critical path MQTT publish -> transition on the critical
 * stream, p50/p99, while 10,000 readings/s of background flow.
 */
import { RuleIndex, inScope } from '../src/alerting/domain/rule-index.js';
import { ruleParameters, validateRule, type Rule } from '../src/alerting/domain/rule.js';
import { evaluateCondition } from '../src/alerting/domain/conditions.js';
import { transition } from '../src/alerting/domain/state-machine.js';
import { criticalStreamArrivals, distributedCriticalPath, embeddedCriticalPath } from './critical-path.js';
import { probeLatency } from './probe.js';
import type { BenchContext, BenchRow, BenchSuite } from './table.js';

const PARAMS = ['temp', 'humidity', 'current', 'voltage', 'power_kw'];

function makeRules(n: number, locations: number): Rule[] {
  return Array.from({ length: n }, (_, i) =>
    validateRule({
      id: `r${i}`,
      tenant: `t${i % 10}`,
      name: `rule ${i}`,
      title: 'x',
      priority: 'high',
      // 1% of rules watch a whole tenant, the rest one location (a site's own thresholds).
      scope: i % 100 === 0 ? {} : { locations: [`loc-${i % locations}`] },
      condition: { type: 'threshold', parameter: PARAMS[i % PARAMS.length]!, op: '>', value: 50 + (i % 40) },
    }),
  );
}

function evaluation(ctx: BenchContext): BenchRow[] {
  const rules = makeRules(10_000, 1000);
  const index = new RuleIndex(rules);
  const readings = Math.round(300_000 * ctx.scale);
  const reading = (i: number) => {
    const sensor = i % 100_000;
    return {
      tenant: `t${sensor % 10}`,
      location: `loc-${sensor % 1000}`,
      asset: `a-${sensor}`,
      sensor: `s-${sensor}`,
      parameter: PARAMS[i % PARAMS.length]!,
      ts: 1_000 + i,
      value: (i * 7) % 100,
    };
  };
  const run = (match: (r: ReturnType<typeof reading>) => Rule[]) => {
    const states = new Map<string, ReturnType<typeof transition>['state']>();
    let evaluated = 0;
    const t0 = performance.now();
    for (let i = 0; i < readings; i++) {
      const r = reading(i);
      for (const rule of match(r)) {
        const fp = `${rule.id}/${r.sensor}`;
        const step = transition(
          states.get(fp),
          {
            conditionTrue: evaluateCondition(rule.condition, {
              parameter: r.parameter,
              ts: r.ts,
              value: r.value,
            }),
            ts: r.ts,
            value: r.value,
          },
          rule,
        );
        states.set(fp, step.state);
        evaluated++;
      }
    }
    return { perSec: readings / ((performance.now() - t0) / 1000), evaluated };
  };
  ctx.progress(`evaluation: ${readings} readings x 10,000 rules`);
  const ours = run((r) => index.match(r));
  const naiveReadings = Math.round(readings / 30);
  const byParam = (rule: Rule, p: string) => ruleParameters(rule).includes(p);
  const t0 = performance.now();
  for (let i = 0; i < naiveReadings; i++) {
    const r = reading(i);
    for (const rule of rules)
      if (rule.tenant === r.tenant && byParam(rule, r.parameter) && inScope(rule.scope, r))
        evaluateCondition(rule.condition, { parameter: r.parameter, ts: r.ts, value: r.value });
  }
  const naive = naiveReadings / ((performance.now() - t0) / 1000);
  return [
    {
      suite: 'alerting',
      metric: 'evaluation, 10k rules x 100k sensors (index vs full scan)',
      unit: 'readings/s',
      ours: ours.perSec,
      raw: naive,
      note: `${(ours.evaluated / readings).toFixed(2)} rule evaluations per reading`,
    },
  ];
}

async function criticalLatency(ctx: BenchContext): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const embedded = await embeddedCriticalPath();
  try {
    rows.push(
      ...(await probeLatency(ctx, {
        ...embedded,
        arrivals: criticalStreamArrivals(embedded.bus),
        suite: 'alerting',
        metric: 'critical: MQTT publish -> critical stream (embedded)',
        target: { p99Ms: 5 },
      })),
    );
  } finally {
    await embedded.close();
  }
  if (ctx.databaseUrl && ctx.redisUrl) {
    const distributed = await distributedCriticalPath(ctx.databaseUrl, ctx.redisUrl);
    if (distributed) {
      try {
        rows.push(
          ...(await probeLatency(ctx, {
            ...distributed,
            arrivals: criticalStreamArrivals(distributed.bus),
            suite: 'alerting',
            metric: 'critical: MQTT publish -> critical stream (distributed)',
            target: { p99Ms: 5 },
          })),
        );
      } finally {
        await distributed.close();
      }
    }
  }
  return rows;
}

export const alertingBench: BenchSuite = async (ctx) => [...evaluation(ctx), ...(await criticalLatency(ctx))];
