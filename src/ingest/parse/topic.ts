/**
 * The MQTT topic scheme.
 *
 *   di/{tenant}/{location}/{asset}/{sensor}   JSON readings of one sensor (json.ts, decodeSensorPayload);
 *                                             the topic names the sensor, the payload only times and values
 *   di/{tenant}/lp                            InfluxDB line protocol (influx-mapping.ts); tags carry
 *                                             location, asset and sensor, so one gateway publishes for many
 *
 * Every segment follows the key rule of validate.ts, which keeps topics free of wildcards and of
 * characters brokers treat specially. The two forms differ in length, so "lp" stays usable as a
 * location name. The tenant in the topic must still be matched against the client's credentials by
 * the broker's authorizer: parsing a topic proves nothing about who sent it.
 *
 * Bridges subscribe to TOPIC_FILTERS. With an external broker and several bridges they use MQTT 5
 * shared subscriptions (`$share/{group}/di/+/+/+/+`), so each message reaches exactly one bridge.
 */
import { checkKey, KEY_PATTERN, KEY_RULE, type KeyName } from './validate.js';

export const TOPIC_ROOT = 'di';
export const LINE_PROTOCOL_SEGMENT = 'lp';

export const SENSOR_TOPIC_FILTER = `${TOPIC_ROOT}/+/+/+/+`;
export const LINE_PROTOCOL_TOPIC_FILTER = `${TOPIC_ROOT}/+/${LINE_PROTOCOL_SEGMENT}`;
export const TOPIC_FILTERS: readonly string[] = [SENSOR_TOPIC_FILTER, LINE_PROTOCOL_TOPIC_FILTER];

export interface SensorAddress {
  tenant: string;
  location: string;
  asset: string;
  sensor: string;
}

export type ParsedTopic =
  | ({ kind: 'sensor' } & SensorAddress)
  | { kind: 'lineprotocol'; tenant: string }
  | { kind: 'invalid'; reason: string };

const USAGE = `use ${TOPIC_ROOT}/{tenant}/{location}/{asset}/{sensor} for JSON or ${TOPIC_ROOT}/{tenant}/${LINE_PROTOCOL_SEGMENT} for line protocol`;
const SENSOR_KEYS: readonly (keyof SensorAddress)[] = ['tenant', 'location', 'asset', 'sensor'];

export function parseTopic(topic: string): ParsedTopic {
  if (topic.includes('+') || topic.includes('#')) {
    return invalid('wildcards (+, #) belong in subscriptions, not in a topic published to');
  }
  if (topic.startsWith('$')) return invalid('topics starting with "$" are reserved by the broker');
  const segments = topic.split('/');
  if (segments[0] !== TOPIC_ROOT) return invalid(`topic must start with "${TOPIC_ROOT}/"; ${USAGE}`);
  const empty = segments.indexOf('');
  if (empty !== -1) {
    return invalid(`segment ${empty + 1} of the topic is empty (a leading, trailing or doubled "/")`);
  }
  const [, tenant = '', ...rest] = segments;
  if (rest.length === 1 && rest[0] === LINE_PROTOCOL_SEGMENT) {
    const reason = checkKey('tenant', tenant);
    return reason === null ? { kind: 'lineprotocol', tenant } : invalid(reason);
  }
  if (rest.length !== 3) {
    return invalid(`topic has ${segments.length} segment${segments.length === 1 ? '' : 's'}; ${USAGE}`);
  }
  const [location = '', asset = '', sensor = ''] = rest;
  const address: SensorAddress = { tenant, location, asset, sensor };
  for (const name of SENSOR_KEYS) {
    const reason = checkKey(name, address[name]);
    if (reason !== null) return invalid(reason);
  }
  return { kind: 'sensor', ...address };
}

/** The topic a device publishes its JSON readings to; throws RangeError on an invalid segment. */
export function sensorTopic(address: SensorAddress): string {
  for (const name of SENSOR_KEYS) mustBeKey(name, address[name]);
  return [TOPIC_ROOT, address.tenant, address.location, address.asset, address.sensor].join('/');
}

/** The topic a gateway publishes line protocol to; throws RangeError on an invalid tenant. */
export function lineProtocolTopic(tenant: string): string {
  mustBeKey('tenant', tenant);
  return `${TOPIC_ROOT}/${tenant}/${LINE_PROTOCOL_SEGMENT}`;
}

/**
 * MQTT 5 shared subscription: brokers hand each matching message to one member of `group`. The
 * group name may not contain "/", "+" or "#" (MQTT 5, 4.8.2); the key rule guarantees that.
 */
export function sharedSubscription(group: string, filter: string): string {
  if (!KEY_PATTERN.test(group)) {
    throw new RangeError(`share group ${JSON.stringify(group)} is invalid: use ${KEY_RULE}`);
  }
  return `$share/${group}/${filter}`;
}

function mustBeKey(name: KeyName, value: string): void {
  const reason = checkKey(name, value);
  if (reason !== null) throw new RangeError(reason);
}

function invalid(reason: string): ParsedTopic {
  return { kind: 'invalid', reason };
}
