import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  LINE_PROTOCOL_TOPIC_FILTER,
  lineProtocolTopic,
  parseTopic,
  SENSOR_TOPIC_FILTER,
  sensorTopic,
  sharedSubscription,
  TOPIC_FILTERS,
} from './topic.js';
import { KEY_PATTERN } from './validate.js';

const ADDRESS = { tenant: 'acme', location: 'hq', asset: 'chiller-1', sensor: 't1' };
const USAGE = 'use di/{tenant}/{location}/{asset}/{sensor} for JSON or di/{tenant}/lp for line protocol';

describe('topics', () => {
  it('builds and parses the per-sensor JSON topic', () => {
    expect(sensorTopic(ADDRESS)).toBe('di/acme/hq/chiller-1/t1');
    expect(parseTopic('di/acme/hq/chiller-1/t1')).toEqual({ kind: 'sensor', ...ADDRESS });
  });

  it('builds and parses the line protocol topic', () => {
    expect(lineProtocolTopic('acme')).toBe('di/acme/lp');
    expect(parseTopic('di/acme/lp')).toEqual({ kind: 'lineprotocol', tenant: 'acme' });
  });

  it('keeps "lp" usable as a location, asset or sensor name', () => {
    expect(parseTopic('di/acme/lp/lp/lp')).toEqual({
      kind: 'sensor',
      tenant: 'acme',
      location: 'lp',
      asset: 'lp',
      sensor: 'lp',
    });
  });

  it('exposes the subscription filters, plain and shared', () => {
    expect(SENSOR_TOPIC_FILTER).toBe('di/+/+/+/+');
    expect(LINE_PROTOCOL_TOPIC_FILTER).toBe('di/+/lp');
    expect(TOPIC_FILTERS).toEqual(['di/+/+/+/+', 'di/+/lp']);
    expect(sharedSubscription('bridges', SENSOR_TOPIC_FILTER)).toBe('$share/bridges/di/+/+/+/+');
    expect(sharedSubscription('bridges', LINE_PROTOCOL_TOPIC_FILTER)).toBe('$share/bridges/di/+/lp');
  });

  it.each(['a/b', 'a+b', '#', '', 'a b'])('refuses the share group %j', (group) => {
    expect(() => sharedSubscription(group, SENSOR_TOPIC_FILTER)).toThrow(RangeError);
  });

  it.each([
    ['di/acme/hq/chiller-1/+', 'wildcards (+, #) belong in subscriptions, not in a topic published to'],
    ['di/#', 'wildcards (+, #) belong in subscriptions, not in a topic published to'],
    ['$share/g/di/acme/lp', 'topics starting with "$" are reserved by the broker'],
    ['$SYS/broker', 'topics starting with "$" are reserved by the broker'],
    ['', `topic must start with "di/"; ${USAGE}`],
    ['acme/hq/a/s', `topic must start with "di/"; ${USAGE}`],
    ['DI/acme/lp', `topic must start with "di/"; ${USAGE}`],
    ['/di/acme/lp', `topic must start with "di/"; ${USAGE}`],
    ['di', `topic has 1 segment; ${USAGE}`],
    ['di/acme', `topic has 2 segments; ${USAGE}`],
    ['di/acme/hq', `topic has 3 segments; ${USAGE}`],
    ['di/acme/hq/a', `topic has 4 segments; ${USAGE}`],
    ['di/acme/hq/a/s/x', `topic has 6 segments; ${USAGE}`],
    ['di/acme/lp/', 'segment 4 of the topic is empty (a leading, trailing or doubled "/")'],
    ['di//hq/a/s', 'segment 2 of the topic is empty (a leading, trailing or doubled "/")'],
    ['di/acme/hq//s', 'segment 4 of the topic is empty (a leading, trailing or doubled "/")'],
  ])('refuses %j: %s', (topic, reason) => {
    expect(parseTopic(topic)).toEqual({ kind: 'invalid', reason });
  });

  it.each([
    ['di/a b/lp', 'tenant'],
    ['di/_acme/hq/a/s', 'tenant'],
    ['di/acme/h q/a/s', 'location'],
    ['di/acme/hq/-a/s', 'asset'],
    ['di/acme/hq/a/s.é', 'sensor'],
  ])('refuses %j naming the %s segment and the rule', (topic, name) => {
    const parsed = parseTopic(topic);
    expect(parsed.kind).toBe('invalid');
    expect(parsed.kind === 'invalid' && parsed.reason).toMatch(
      new RegExp(`^${name} ".*" is invalid: use 1 to 64 characters`),
    );
  });

  it('refuses to build a topic from an invalid segment', () => {
    expect(() => sensorTopic({ ...ADDRESS, sensor: 't/1' })).toThrow(/^sensor "t\/1" is invalid/);
    expect(() => sensorTopic({ ...ADDRESS, location: '+' })).toThrow(RangeError);
    expect(() => lineProtocolTopic('')).toThrow(/^tenant "" is invalid/);
  });

  it('round-trips every valid address', () => {
    const key = fc.stringMatching(KEY_PATTERN);
    fc.assert(
      fc.property(fc.record({ tenant: key, location: key, asset: key, sensor: key }), (address) => {
        expect(parseTopic(sensorTopic(address))).toEqual({ kind: 'sensor', ...address });
        expect(parseTopic(lineProtocolTopic(address.tenant))).toEqual({
          kind: 'lineprotocol',
          tenant: address.tenant,
        });
      }),
    );
  });

  it('never throws, and only yields keys that pass the key rule', () => {
    const segment = fc.oneof(fc.constantFrom('di', 'lp', '', '+', '#', 'acme'), fc.string({ maxLength: 6 }));
    const topic = fc.oneof(
      fc.string(),
      fc.array(segment, { maxLength: 7 }).map((s) => s.join('/')),
    );
    fc.assert(
      fc.property(topic, (t) => {
        const parsed = parseTopic(t);
        if (parsed.kind === 'invalid') return;
        const { kind: _kind, ...keys } = parsed;
        for (const k of Object.values(keys)) expect(KEY_PATTERN.test(k)).toBe(true);
      }),
    );
  });
});
