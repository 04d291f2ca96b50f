/**
 * RedisCoordinator: membership and partition leases in Redis. Every key of one (stream, group) shares a hash
 * tag (keys.ts), so each script below runs on one slot and also works on a Redis Cluster. Expiry uses the
 * server's clock (TIME, PX), never the members' clocks, so clock skew between hosts cannot split a lease.
 */
import { createHash } from 'node:crypto';
import { BusKeys } from './keys.js';
import type { Coordinator, LeaseScope } from './coordinator.js';
import type { RedisClient } from './redis-client.js';
import { redisError } from './redis-replies.js';

const HEARTBEAT = `--[[
  Marks a member alive and lists the live members.
  KEYS[1] members sorted set (score: expiry time, ms, server clock)
  ARGV[1] member id
  ARGV[2] ttl, ms
  Returns: the live member ids (unsorted)
]]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
-- The set outlives its members a little, then vanishes when the whole group is gone.
if redis.call('PTTL', KEYS[1]) < 2 * ttl then redis.call('PEXPIRE', KEYS[1], 2 * ttl) end
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

const ACQUIRE = `--[[
  Takes or renews partition leases (compare-and-renew): a lease that is free or already held by the member is
  set to the member for ttl; one held by another member is left alone.
  KEYS[1..n] lease keys
  ARGV[1] member id
  ARGV[2] ttl, ms
  Returns: the 1-based indexes into KEYS of the leases the member now holds
]]
local held = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder == false or holder == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[#held + 1] = i
  end
end
return held`;

const RELEASE = `--[[
  Gives up leases the member holds (compare-and-release); others' leases are left alone.
  KEYS[1..n] lease keys
  ARGV[1] member id
  Returns: how many leases were released
]]
local released = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('DEL', key)
    released = released + 1
  end
end
return released`;

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const SHAS = new Map([HEARTBEAT, ACQUIRE, RELEASE].map((s) => [s, sha1(s)]));

export interface RedisCoordinatorOptions {
  /** The caller owns the client; the coordinator never quits it. */
  client: RedisClient;
  prefix?: string;
}

export class RedisCoordinator implements Coordinator {
  readonly kind = 'redis';
  private readonly client: RedisClient;
  private readonly keys: BusKeys;

  constructor(opts: RedisCoordinatorOptions) {
    this.client = opts.client;
    this.keys = new BusKeys(opts.prefix);
  }

  async heartbeat(scope: LeaseScope, member: string, ttlMs: number): Promise<string[]> {
    const live = (await this.script(
      HEARTBEAT,
      [this.keys.members(scope.stream, scope.group)],
      [member, ttlMs],
    )) as string[];
    return live.sort();
  }

  async leave(scope: LeaseScope, member: string): Promise<void> {
    await this.client.zrem(this.keys.members(scope.stream, scope.group), member).catch((e: unknown) => {
      throw redisError(e, 'leaving the group');
    });
  }

  async owners(scope: LeaseScope, partitions: number): Promise<(string | null)[]> {
    if (partitions === 0) return [];
    const keys = Array.from({ length: partitions }, (_, p) => this.keys.lease(scope.stream, scope.group, p));
    return this.client.mget(...keys).catch((e: unknown) => {
      throw redisError(e, 'reading partition leases');
    });
  }

  async acquire(
    scope: LeaseScope,
    member: string,
    partitions: readonly number[],
    ttlMs: number,
  ): Promise<number[]> {
    if (partitions.length === 0) return [];
    const keys = partitions.map((p) => this.keys.lease(scope.stream, scope.group, p));
    const held = (await this.script(ACQUIRE, keys, [member, ttlMs])) as number[];
    return held.map((i) => partitions[i - 1]!);
  }

  async release(scope: LeaseScope, member: string, partitions: readonly number[]): Promise<void> {
    if (partitions.length === 0) return;
    const keys = partitions.map((p) => this.keys.lease(scope.stream, scope.group, p));
    await this.script(RELEASE, keys, [member]);
  }

  /** EVALSHA, loading the script with EVAL the first time a server has not seen it. */
  private async script(lua: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      try {
        return await this.client.evalsha(SHAS.get(lua)!, keys.length, ...keys, ...args);
      } catch (e) {
        if (!(e instanceof Error && e.message.startsWith('NOSCRIPT'))) throw e;
        return await this.client.eval(lua, keys.length, ...keys, ...args);
      }
    } catch (e) {
      throw redisError(e, `coordinator script on ${keys[0]}`);
    }
  }
}
