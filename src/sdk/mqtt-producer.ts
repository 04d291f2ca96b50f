import { setTimeout as delay } from 'node:timers/promises';
import { connectAsync, type MqttClient } from 'mqtt';
import { DataInsightError } from '../platform/errors.js';
import { maskUrl } from '../platform/logger.js';
import { assertKeySegment, toWireSample, type Sample } from './wire.js';

export interface MqttProducerOptions {
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  url: string;
  /** Device or gateway id. */
  username?: string;
  /** Device or gateway secret. */
  password?: string;
  tenant: string;
  /** 1: send() resolves on PUBACK, i.e. once the reading is durably in the server's stream. */
  qos: 0 | 1;
  clientId?: string;
  /** Longest close() waits for outstanding PUBACKs before dropping them (default 10 s). */
  closeTimeoutMs?: number;
  /** Connection errors after the first connect; the client keeps reconnecting by itself. */
  onError?: (err: Error) => void;
  now?: () => number;
}

export interface MqttProducer {
  /**
   * Publish one sensor's samples to `di/{tenant}/{location}/{asset}/{sensor}`: a single sample as an
   * object, several as one JSON array (a batch). Resolves once the broker has the message (QoS 1:
   * PUBACK; QoS 0: written to the socket). While disconnected, messages queue until reconnection.
   */
  send(location: string, asset: string, sensor: string, samples: readonly Sample[]): Promise<void>;
  /** Waits for outstanding acknowledgements (bounded), then disconnects. Safe to call twice. */
  close(): Promise<void>;
}

/** CONNACK codes for refused credentials: MQTT 3.1.1 (4, 5) and MQTT 5 (134, 135). */
const AUTH_FAILURES = new Set([4, 5, 134, 135]);

export async function createMqttProducer(opts: MqttProducerOptions): Promise<MqttProducer> {
  assertKeySegment('tenant', opts.tenant);
  // The server does not accept QoS 2: its exactly-once handshake buys nothing over QoS 1 plus
  // idempotent storage.
  if (opts.qos !== 0 && opts.qos !== 1) {
    throw new DataInsightError('DI_CONFIG_INVALID', `qos must be 0 or 1, got ${String(opts.qos)}`, {
      field: 'qos',
    });
  }
  const now = opts.now ?? Date.now;
  const client = await connect(opts);
  // mqtt.js emits 'error' on every failed reconnect; an EventEmitter without a listener would crash.
  client.on('error', (err) => opts.onError?.(err));

  const inflight = new Set<{ done: Promise<void>; abandon: (err: Error) => void }>();
  let closing: Promise<void> | undefined;

  async function close(): Promise<void> {
    const timeout = new AbortController();
    const drained = Promise.allSettled([...inflight].map((m) => m.done));
    const timedOut = delay(opts.closeTimeoutMs ?? 10_000, true, { signal: timeout.signal }).catch(
      () => false,
    );
    const gaveUp = await Promise.race([drained.then(() => false), timedOut]);
    timeout.abort();
    for (const m of inflight) {
      m.abandon(
        new DataInsightError(
          'DI_SHUTTING_DOWN',
          'the producer closed before the broker acknowledged this message',
        ),
      );
    }
    // A clean end sends DISCONNECT; a forced one is needed when acknowledgements never came, because
    // mqtt.js's clean end would wait for them forever.
    await client.endAsync(gaveUp);
  }

  return {
    async send(location, asset, sensor, samples) {
      if (closing) throw new DataInsightError('DI_SHUTTING_DOWN', 'send() after close()');
      assertKeySegment('location', location);
      assertKeySegment('asset', asset);
      assertKeySegment('sensor', sensor);
      if (samples.length === 0) return;
      const wire = samples.map((s, i) => toWireSample(s, i, now));
      const topic = `di/${opts.tenant}/${location}/${asset}/${sensor}`;
      const payload = JSON.stringify(wire.length === 1 ? wire[0] : wire);
      let abandon: (err: Error) => void = () => {};
      const done = new Promise<void>((resolve, reject) => {
        abandon = reject;
        client.publish(topic, payload, { qos: opts.qos }, (err) =>
          err
            ? reject(
                new DataInsightError(
                  'DI_DEPENDENCY_UNAVAILABLE',
                  `publish to ${topic} failed: ${err.message}`,
                  { cause: err },
                ),
              )
            : resolve(),
        );
      });
      const entry = { done, abandon };
      inflight.add(entry);
      try {
        await done;
      } finally {
        inflight.delete(entry);
      }
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}

async function connect(opts: MqttProducerOptions): Promise<MqttClient> {
  try {
    return await connectAsync(opts.url, {
      ...(opts.username === undefined ? {} : { username: opts.username }),
      ...(opts.password === undefined ? {} : { password: opts.password }),
      ...(opts.clientId === undefined ? {} : { clientId: opts.clientId }),
      reconnectPeriod: 1000,
    });
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    const who = opts.username === undefined ? 'anonymously' : `as ${opts.username}`;
    const why = cause instanceof Error ? cause.message : String(cause);
    if (typeof code === 'number' && AUTH_FAILURES.has(code)) {
      throw new DataInsightError(
        'DI_UNAUTHORIZED',
        `MQTT broker ${maskUrl(opts.url)} refused ${who}: ${why}`,
        { cause },
      );
    }
    throw new DataInsightError(
      'DI_DEPENDENCY_UNAVAILABLE',
      `cannot connect to MQTT broker ${maskUrl(opts.url)} ${who}: ${why}`,
      { cause },
    );
  }
}
