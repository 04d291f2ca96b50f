import type { Config } from '../config/config.js';
import { MemoryCoordinator, type Coordinator } from '../bus/coordinator.js';
import { MemoryFeed, RedisFeed, type ChangeFeed } from '../bus/feed.js';
import { MemoryBus } from '../bus/memory.js';
import type { Bus, StreamSpec } from '../bus/port.js';
import { createRedisClient, type RedisClient } from '../bus/redis-client.js';
import { RedisBus } from '../bus/redis.js';
import { RedisCoordinator } from '../bus/redis-coordinator.js';
import { migrate } from '../db/migrate.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/port.js';
import { TELEMETRY_STREAM } from '../ingest/envelope.js';
import { DataInsightError } from '../platform/errors.js';
import { Health } from '../platform/health.js';
import { maskUrl, type Logger } from '../platform/logger.js';
import { Metrics } from '../platform/metrics.js';

/** The adapters one process shares between its roles, chosen from the configuration. */
export interface Runtime {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  health: Health;
  db: Db;
  bus: Bus;
  coordinator: Coordinator;
  /** Change notifications between processes (rule edits, alert acknowledgements). */
  feed: ChangeFeed;
  telemetry: StreamSpec;
  /** Close the adapters (after every role has stopped). Safe to call twice. */
  close(): Promise<void>;
}

export async function createRuntime(
  config: Config,
  logger: Logger,
  metrics = new Metrics({ defaultMetrics: true }),
): Promise<Runtime> {
  const health = new Health(metrics);
  const db = await openDb(config);
  const closers: (() => Promise<unknown>)[] = [() => db.close()];
  try {
    await migrate(db, logger);
    health.register('database', () => db.ping());

    let bus: Bus;
    let coordinator: Coordinator;
    let feed: ChangeFeed;
    if (config.redisUrl) {
      const client: RedisClient = createRedisClient(config.redisUrl);
      closers.unshift(() => client.quit().catch(() => client.disconnect()));
      try {
        await client.ping();
      } catch (e) {
        throw new DataInsightError(
          'DI_DEPENDENCY_UNAVAILABLE',
          `cannot reach Redis at ${maskUrl(config.redisUrl)} (REDIS_URL): ${(e as Error).message}`,
          {
            field: 'REDIS_URL',
            cause: e,
          },
        );
      }
      bus = new RedisBus({ client, prefix: config.busPrefix, metrics, logger });
      coordinator = new RedisCoordinator({ client, prefix: config.busPrefix });
      feed = new RedisFeed(client, config.busPrefix);
    } else {
      bus = new MemoryBus({ metrics, logger });
      coordinator = new MemoryCoordinator();
      feed = new MemoryFeed();
    }
    closers.unshift(
      () => bus.close(),
      () => feed.close(),
    );
    health.register('bus', () => bus.ping());

    const telemetry: StreamSpec = {
      name: TELEMETRY_STREAM,
      partitions: config.telemetryPartitions,
      maxLen: config.streamMaxLen,
    };
    bus.defineStream(telemetry);

    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      metrics,
      health,
      db,
      bus,
      coordinator,
      feed,
      telemetry,
      close() {
        closing ??= (async () => {
          for (const c of closers)
            await c().catch((e: unknown) => logger.warn({ err: e }, 'error while closing an adapter'));
        })();
        return closing;
      },
    };
  } catch (e) {
    for (const c of closers) await c().catch(() => undefined);
    throw e;
  }
}
