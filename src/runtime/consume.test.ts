import { describe, expect, it } from 'vitest';
import { MemoryCoordinator } from '../bus/coordinator.js';
import { MemoryBus } from '../bus/memory.js';
import { loadConfig } from '../config/config.js';
import { Health } from '../platform/health.js';
import { silentLogger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';
import { consumeStream } from './consume.js';
import type { Runtime } from './runtime.js';

describe('consumeStream', () => {
  it('gives each stream of a group its own consumer name (a Redis bus blocks each name on its own connection)', () => {
    const metrics = new Metrics();
    const rt = {
      config: loadConfig({ env: { INSTANCE_ID: 'n1' } }),
      bus: new MemoryBus(),
      coordinator: new MemoryCoordinator(),
      metrics,
      health: new Health(metrics),
    } as unknown as Runtime;
    const names = ['alerts.critical', 'alerts.low'].map((name) => {
      const c = consumeStream(rt, {
        stream: { name, partitions: 4, maxLen: 100 },
        group: 'notifier',
        handle: async () => undefined,
        logger: silentLogger(),
      });
      return (c as unknown as { cfg: { consumer: string } }).cfg.consumer;
    });
    expect(names).toEqual(['n1:notifier:alerts.critical', 'n1:notifier:alerts.low']);
  });
});
