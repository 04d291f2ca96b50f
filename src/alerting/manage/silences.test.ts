import { describe, expect, it } from 'vitest';
import { MemoryFeed } from '../../bus/feed.js';
import type { Queryable } from '../../db/port.js';
import {
  findSilence,
  isSilenced,
  SilenceCache,
  SilenceMatcherSchema,
  silenceMatches,
  type Silence,
  type SilenceMatcher,
  type SilenceSubject,
} from './silences.js';

const subject: SilenceSubject = {
  ruleId: 'hot',
  location: 'hq',
  asset: 'ch-1',
  sensor: 's1',
  assetType: 'chiller',
};
const silence = (matcher: SilenceMatcher, startsAt = 100, endsAt = 200, id = 1): Silence => ({
  id,
  tenantId: 1,
  matcher,
  startsAt,
  endsAt,
  comment: '',
  createdBy: 'token:t',
  createdAt: 0,
});

describe('silenceMatches', () => {
  const cases: [string, SilenceMatcher, boolean][] = [
    ['its location', { locations: ['hq'] }, true],
    ['one of several locations', { locations: ['lab', 'hq'] }, true],
    ['another location', { locations: ['lab'] }, false],
    ['its asset', { assets: ['hq/ch-1'] }, true],
    ['an asset of the same slug elsewhere', { assets: ['lab/ch-1'] }, false],
    ['its sensor', { sensors: ['hq/ch-1/s1'] }, true],
    ['another sensor of its asset', { sensors: ['hq/ch-1/s2'] }, false],
    ['its asset type', { assetTypes: ['chiller'] }, true],
    ['another asset type', { assetTypes: ['boiler'] }, false],
    ['its rule', { rules: ['hot'] }, true],
    ['another rule', { rules: ['cold'] }, false],
    ['location AND rule, both matching', { locations: ['hq'], rules: ['hot'] }, true],
    ['location AND rule, the rule not', { locations: ['hq'], rules: ['cold'] }, false],
    ['location AND asset type, the type not', { locations: ['hq'], assetTypes: ['boiler'] }, false],
    [
      'everything listed matching',
      {
        locations: ['hq'],
        assets: ['hq/ch-1'],
        sensors: ['hq/ch-1/s1'],
        assetTypes: ['chiller'],
        rules: ['hot'],
      },
      true,
    ],
  ];
  for (const [what, matcher, expected] of cases) {
    it(`${expected ? 'matches' : 'does not match'} ${what}`, () => {
      expect(silenceMatches(matcher, subject)).toBe(expected);
    });
  }

  it('never hides more than it names: unknown asset types and asset-level alerts against sensors', () => {
    expect(silenceMatches({ assetTypes: ['chiller'] }, { ...subject, assetType: null })).toBe(false);
    expect(silenceMatches({ assetTypes: ['chiller'] }, { ...subject, assetType: undefined })).toBe(false);
    const assetLevel = { ...subject, sensor: '*' };
    expect(silenceMatches({ sensors: ['hq/ch-1/s1'] }, assetLevel)).toBe(false);
    expect(silenceMatches({ assets: ['hq/ch-1'] }, assetLevel)).toBe(true);
  });
});

describe('isSilenced', () => {
  const s = silence({ locations: ['hq'] }, 100, 200);

  it('is in force from startsAt (inclusive) to endsAt (exclusive)', () => {
    expect([99, 100, 150, 199, 200, 300].map((ts) => isSilenced([s], subject, ts))).toEqual([
      false,
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('needs one silence that both covers the subject and is in force', () => {
    const other = silence({ locations: ['lab'] }, 0, 1000, 2);
    const later = silence({ locations: ['hq'] }, 500, 600, 3);
    expect(isSilenced([other, later], subject, 150)).toBe(false);
    expect(isSilenced([other, later, s], subject, 150)).toBe(true);
    expect(findSilence([other, later, s], subject, 550)?.id).toBe(3);
    expect(isSilenced([], subject, 150)).toBe(false);
  });
});

describe('SilenceMatcherSchema', () => {
  it('refuses an empty matcher, unknown keys, malformed paths and empty lists, naming the field', () => {
    const issue = (m: unknown) => {
      const r = SilenceMatcherSchema.safeParse(m);
      return r.success ? undefined : r.error.issues[0]!.path.join('.');
    };
    expect(issue({})).toBe('');
    expect(issue({ location: ['hq'] })).toBe('');
    expect(issue({ assets: ['ch-1'] })).toBe('assets.0');
    expect(issue({ sensors: ['hq/ch-1'] })).toBe('sensors.0');
    expect(issue({ locations: [] })).toBe('locations');
    expect(issue({ rules: ['bad id!'] })).toBe('rules.0');
    expect(issue({ assets: ['hq/ch-1'], rules: ['hot'] })).toBeUndefined();
  });
});

describe('SilenceCache', () => {
  function fakeDb(rows: () => Silence[]) {
    const calls: unknown[][] = [];
    let fail = false;
    const db = {
      async query(_sql: string, params?: readonly unknown[]) {
        calls.push([...(params ?? [])]);
        if (fail) throw new Error('down');
        return { rows: rows(), rowCount: rows().length };
      },
      async exec() {},
    } as unknown as Queryable;
    return { db, calls, failNext: (f: boolean) => (fail = f) };
  }

  it('loads a tenant once per TTL, and again at once after a change message for that tenant', async () => {
    let now = 1000;
    let rows = [silence({ locations: ['hq'] }, 0, 5000)];
    const { db, calls } = fakeDb(() => rows);
    const feed = new MemoryFeed();
    const cache = new SilenceCache({ db, feed, ttlMs: 5000, now: () => now });
    await cache.start();
    expect(await cache.isSilenced(1, subject, 1000)).toBe(true);
    expect(await cache.isSilenced(1, subject, 1000)).toBe(true);
    expect(calls).toEqual([[1, 1000]]);
    rows = [];
    await feed.publish('silences', { tenantId: 2 });
    await new Promise((r) => setImmediate(r));
    expect(await cache.isSilenced(1, subject, 1000)).toBe(true); // another tenant's change
    await feed.publish('silences', { tenantId: 1 });
    await new Promise((r) => setImmediate(r));
    expect(await cache.isSilenced(1, subject, 1000)).toBe(false);
    expect(calls).toHaveLength(2);
    now += 5000;
    await cache.forTenant(1);
    expect(calls).toHaveLength(3);
    await cache.close();
    await feed.close();
  });

  it('does not keep a failed load', async () => {
    const { db, calls, failNext } = fakeDb(() => []);
    const cache = new SilenceCache({ db, feed: new MemoryFeed() });
    failNext(true);
    await expect(cache.forTenant(7)).rejects.toThrow('down');
    failNext(false);
    expect(await cache.forTenant(7)).toEqual([]);
    expect(calls).toHaveLength(2);
  });

  it('answers synchronously from the last list, reloading in the background, and never trusts a load older than a change', async () => {
    const pending: { rows: Silence[]; resolve: () => void }[] = [];
    const db = {
      query: (_sql: string, _params?: readonly unknown[]) =>
        new Promise((resolve) => {
          const rows = next;
          pending.push({ rows, resolve: () => resolve({ rows, rowCount: rows.length }) });
        }),
      exec: async () => {},
    } as unknown as Queryable;
    let next = [silence({ locations: ['hq'] }, 0, 5000)];
    const cache = new SilenceCache({ db, feed: new MemoryFeed(), now: () => 1000 });
    const flush = async () => {
      for (const p of pending.splice(0)) p.resolve();
      await new Promise((r) => setImmediate(r));
    };
    expect(cache.silencedNow(1, subject, 1000)).toBe(false); // never loaded: not silenced, load started
    expect(pending).toHaveLength(1);
    expect(cache.silencedNow(1, subject, 1000)).toBe(false); // one load at a time
    expect(pending).toHaveLength(1);
    await flush();
    expect(cache.silencedNow(1, subject, 1000)).toBe(true);
    expect(pending).toHaveLength(0);
    // A change: the old list still answers while the new one loads...
    next = [];
    cache.invalidate(1);
    expect(cache.silencedNow(1, subject, 1000)).toBe(true);
    // ...and a change during that load makes its result stale on arrival.
    cache.invalidate(1);
    await flush();
    expect(pending).toHaveLength(0);
    const ready = cache.prepare([1, 1]);
    expect(pending).toHaveLength(1);
    await flush();
    await ready;
    expect(cache.silencedNow(1, subject, 1000)).toBe(false);
  });
});
