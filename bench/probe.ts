import mqtt from 'mqtt';
import { percentile, sleep, unique } from './support.js';
import type { BenchContext, BenchRow } from './table.js';

/** Background load: 2,000 messages of 5 readings a second (BENCH_BACKGROUND_MSGS overrides, for diagnosis). */
export const BACKGROUND_MESSAGES_PER_S = Number(process.env.BENCH_BACKGROUND_MSGS ?? 2000);

/** Where the probe's effect shows up: resolves with performance.now() when it arrived. */
export interface Arrivals {
  next(probe: { ts: number; value: number; hot: boolean }, timeoutMs: number): Promise<number>;
  stop(): Promise<unknown>;
}

export interface ProbeSetup {
  mqttUrl: string;
  auth?: { username: string; password: string };
  arrivals: Arrivals;
  /** Row names: what is measured, and where. */
  metric: string;
  target: { p99Ms: number };
  suite: string;
}

/**
 * Probe readings alternate above and below a critical rule's threshold (a firing, then a resolve)
 * while a second connection publishes 10,000 readings/s that no rule watches; latency is the probe's
 * publish -> its firing showing up where `arrivals` watches (alert stream, provider request).
 */
export async function probeLatency(ctx: BenchContext, s: ProbeSetup): Promise<BenchRow[]> {
  const probeClient = await mqtt.connectAsync(s.mqttUrl, { ...s.auth, clientId: unique('probe') });
  const background = await mqtt.connectAsync(s.mqttUrl, { ...s.auth, clientId: unique('background') });
  let stop = false;
  const bg = (async () => {
    let i = 0;
    const start = performance.now();
    while (!stop) {
      const wait = start + (i / BACKGROUND_MESSAGES_PER_S) * 1000 - performance.now();
      if (wait > 1) await sleep(wait);
      const k = i % 500;
      background.publish(
        `di/bench/floor-${k % 5}/ahu-${k}/ahu-${k}-main`,
        JSON.stringify({
          ts: Date.now(),
          values: { temp: 21, humidity: 40, current: 3, voltage: 230, power_kw: 1.2 },
        }),
        { qos: 0 },
      );
      i++;
    }
  })();
  await sleep(2000);
  const samples = Math.round(200 * ctx.scale) + 10;
  ctx.progress(`${s.metric}: ${samples} probes under ${BACKGROUND_MESSAGES_PER_S * 5} readings/s`);
  const latencies: number[] = [];
  try {
    for (let k = 0; k < samples; k++) {
      for (const hot of [true, false]) {
        const ts = Date.now();
        const value = hot ? 1000 + k : 1;
        const sent = performance.now();
        await probeClient.publishAsync(
          'di/bench/probe/room-1/room-1-t',
          JSON.stringify({ ts, values: { temp: value } }),
          { qos: 1 },
        );
        // Only firings are timed; the resolve in between re-arms the rule.
        if (hot) {
          const arrived = await s.arrivals.next({ ts, value, hot }, 15_000);
          if (k >= 5) latencies.push(arrived - sent);
        }
        await sleep(hot ? 20 : 60);
      }
    }
  } finally {
    stop = true;
    await bg;
    await s.arrivals.stop();
    await probeClient.endAsync();
    await background.endAsync();
  }
  latencies.sort((a, b) => a - b);
  const p99 = percentile(latencies, 99);
  const note = `${BACKGROUND_MESSAGES_PER_S * 5} readings/s background, ${latencies.length} probes`;
  return [
    { suite: s.suite, metric: `${s.metric}, p50`, unit: 'ms', ours: percentile(latencies, 50), note },
    {
      suite: s.suite,
      metric: `${s.metric}, p99`,
      unit: 'ms',
      ours: p99,
      target: `<= ${s.target.p99Ms} ms`,
      met: p99 <= s.target.p99Ms,
      note,
    },
  ];
}

/** Waits until `has(key)` says an arrival was recorded; the map is filled by whoever watches. */
export function arrivalsFrom(
  seen: Map<string, number>,
  keyOf: (probe: { ts: number; value: number; hot: boolean }) => string,
  stop: () => Promise<unknown>,
): Arrivals {
  return {
    async next(probe, timeoutMs) {
      const key = keyOf(probe);
      const end = Date.now() + timeoutMs;
      for (;;) {
        const at = seen.get(key);
        if (at !== undefined) return at;
        if (Date.now() > end) throw new Error(`probe ${key} did not arrive within ${timeoutMs} ms`);
        await new Promise((r) => setImmediate(r));
      }
    },
    stop,
  };
}
