/**
 * The broker port: where device messages come from. `EmbeddedBroker` is an Aedes MQTT server inside
 * this process; `ExternalBroker` subscribes to Mosquitto/EMQX (MQTT 5 shared subscription, so several
 * bridge processes split the load).
 *
 * Both call the inbound handler BEFORE acknowledging a QoS 1 message to its sender, and acknowledge
 * only when the handler resolves: a PUBACK means the message is durably in the telemetry stream.
 */

export interface DevicePrincipal {
  /** Tenant slug the device belongs to; it may publish only under di/{tenant}/... */
  tenant: string;
  /** MQTT username (device or gateway id). */
  device: string;
}

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  /** The authenticated device (embedded broker); undefined behind an external broker, which authenticates itself. */
  principal: DevicePrincipal | undefined;
}

/** Resolve when the message's effect is durable; reject to have the sender retry later. */
export type InboundHandler = (msg: InboundMessage) => Promise<void>;

export interface DeviceAuth {
  /** null: wrong credentials. */
  authenticate(username: string | undefined, password: Buffer | undefined): Promise<DevicePrincipal | null>;
  /** May this principal publish on / subscribe to this topic? */
  mayPublish(principal: DevicePrincipal, topic: string): boolean;
  maySubscribe(principal: DevicePrincipal, topicFilter: string): boolean;
}

export interface Broker {
  readonly kind: 'embedded' | 'external';
  /** Start listening (embedded) or subscribing (external); inbound messages go to handler. */
  start(handler: InboundHandler): Promise<void>;
  /** Where it listens or what it connects to, for the start-up log line (secrets masked). */
  describe(): string;
  ping(): Promise<void>;
  /** Stop taking messages, wait for in-flight handlers, disconnect. Safe to call twice. */
  close(): Promise<void>;
}
