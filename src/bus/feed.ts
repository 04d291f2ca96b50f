import { EventEmitter } from 'node:events';
import type { RedisClient } from './redis-client.js';

/**
 * Change notifications between processes (a rule edited through the API reaches every evaluator):
 * fire-and-forget fan-out, Redis pub/sub when distributed, an event emitter in one process. Nothing
 * may depend on a message arriving: receivers also re-check the database periodically.
 */
export interface ChangeFeed {
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export class MemoryFeed implements ChangeFeed {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, message: unknown): Promise<void> {
    // Asynchronous like the network: a publisher never runs its subscribers' code on its own stack.
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    setImmediate(() => this.emitter.emit(channel, copy));
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    this.emitter.on(channel, handler);
    return async () => void this.emitter.off(channel, handler);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class RedisFeed implements ChangeFeed {
  private subscriber: RedisClient | undefined;
  private readonly handlers = new Map<string, Set<(message: unknown) => void>>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
  ) {}

  private channel(name: string): string {
    return `${this.prefix}:feed:${name}`;
  }

  async publish(channel: string, message: unknown): Promise<void> {
    await this.client.publish(this.channel(channel), JSON.stringify(message));
  }

  async subscribe(channel: string, handler: (message: unknown) => void): Promise<() => Promise<void>> {
    if (!this.subscriber) {
      // A subscribed connection can do nothing else: it gets its own.
      this.subscriber = this.client.duplicate();
      this.subscriber.on('message', (ch: string, text: string) => {
        let msg: unknown;
        try {
          msg = JSON.parse(text);
        } catch {
          return;
        }
        for (const h of this.handlers.get(ch) ?? []) h(msg);
      });
    }
    const ch = this.channel(channel);
    let set = this.handlers.get(ch);
    if (!set) {
      this.handlers.set(ch, (set = new Set()));
      await this.subscriber.subscribe(ch);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.handlers.clear();
      await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
    })();
    return this.closing;
  }
}
