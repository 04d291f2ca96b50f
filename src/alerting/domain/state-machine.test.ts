import { describe, expect, it } from 'vitest';
import { isDataInsightError } from '../../platform/errors.js';
import type { AlertStatus } from './alert-state.js';
import type { Truth } from './conditions.js';
import { tick, transition } from './state-machine.js';
import { brief, Driver, xRule } from './testing/harness.js';

const FOR = 100;

describe('lifecycle: every status x every condition outcome (forMs > 0)', () => {
  // How to reach each status at ts 1000, with the condition evaluated next at ts 1010 (before forMs elapses).
  const reach: Record<AlertStatus, (d: Driver) => void> = {
    inactive: (d) => d.reading(1000, 10),
    pending: (d) => d.reading(1000, 60),
    firing: (d) => {
      d.reading(800, 60);
      d.tick(1000);
    },
    resolved: (d) => {
      d.reading(800, 60);
      d.tick(900);
      d.reading(1000, 10);
    },
  };
  const want: Record<AlertStatus, Record<string, [AlertStatus, string[]]>> = {
    inactive: { true: ['pending', ['pending@1010']], false: ['inactive', []], unknown: ['inactive', []] },
    pending: { true: ['pending', []], false: ['inactive', []], unknown: ['pending', []] },
    firing: { true: ['firing', []], false: ['resolved', ['resolved@1010']], unknown: ['firing', []] },
    resolved: { true: ['pending', ['pending@1010']], false: ['resolved', []], unknown: ['resolved', []] },
  };
  for (const status of Object.keys(reach) as AlertStatus[]) {
    for (const cond of [true, false, 'unknown'] as Truth[]) {
      it(`${status} + ${String(cond)}`, () => {
        const d = new Driver(xRule({ forMs: FOR }));
        reach[status](d);
        expect(d.state!.status).toBe(status);
        const [after, events] = want[status][String(cond)]!;
        expect(brief(d.input({ conditionTrue: cond, ts: 1010, value: 1 }))).toEqual(events);
        expect(d.state!.status).toBe(after);
      });
    }
  }
});

describe('lifecycle: pending and the for-duration', () => {
  it('forMs = 0 fires at the first true reading, without a pending event', () => {
    const d = new Driver(xRule());
    expect(d.reading(1000, 60)).toEqual([{ kind: 'firing', ts: 1000, value: 60, activeSince: 1000 }]);
    expect(d.state).toMatchObject({ status: 'firing', firedAt: 1000, activeSince: 1000 });
  });

  it('fires at the due time (activeSince + forMs), however late the confirming reading or tick comes', () => {
    const d = new Driver(xRule({ forMs: FOR }));
    expect(d.reading(1000, 60)).toEqual([{ kind: 'pending', ts: 1000, value: 60 }]);
    expect(d.reading(1050, 70)).toEqual([]);
    expect(d.tick(1099)).toEqual([]);
    expect(d.reading(1500, 80)).toEqual([{ kind: 'firing', ts: 1100, value: 70, activeSince: 1000 }]);
  });

  it('a tick promotes a pending alert at its due time', () => {
    const d = new Driver(xRule({ forMs: FOR }));
    d.reading(1000, 60);
    expect(brief(d.tick(5000))).toEqual(['firing@1100']);
    expect(d.state!.watermark).toBe(1100);
  });

  it('a false reading after the due time means the condition held for forMs: fire, then resolve', () => {
    const d = new Driver(xRule({ forMs: FOR }));
    d.reading(1000, 60);
    expect(brief(d.reading(1200, 10))).toEqual(['firing@1100', 'resolved@1200']);
  });

  it('a condition that goes false before forMs cancels pending silently; the next episode starts anew', () => {
    const d = new Driver(xRule({ forMs: FOR }));
    d.reading(1000, 60);
    expect(d.reading(1050, 10)).toEqual([]);
    expect(d.state).toMatchObject({ status: 'inactive', activeSince: undefined });
    expect(brief(d.reading(1060, 60))).toEqual(['pending@1060']);
    expect(brief(d.tick(1159))).toEqual([]);
    expect(brief(d.tick(1160))).toEqual(['firing@1160']);
  });

  it('a resolved alert opens again as a new alert with its own firedAt', () => {
    const d = new Driver(xRule());
    d.reading(1000, 60);
    d.reading(1100, 10);
    expect(d.reading(1200, 60)).toEqual([{ kind: 'firing', ts: 1200, value: 60, activeSince: 1200 }]);
    expect(d.log.map((e) => e.kind)).toEqual(['firing', 'resolved', 'firing']);
    expect(d.log[1]).toMatchObject({ kind: 'resolved', firedAt: 1000, value: 10 });
  });
});

describe('lifecycle: resolution and hysteresis', () => {
  it('a deadband keeps the alert firing until the value is back past the threshold by it', () => {
    const d = new Driver(xRule({ clear: { type: 'deadband', deadband: 5 } }));
    d.reading(1000, 60);
    expect(d.reading(1010, 49)).toEqual([]);
    expect(d.reading(1020, 51)).toEqual([]);
    expect(d.reading(1030, 46)).toEqual([]);
    expect(brief(d.reading(1040, 45))).toEqual(['resolved@1040']);
  });

  it('an explicit clear condition must hold, and the condition must not, to resolve', () => {
    const d = new Driver(xRule());
    d.reading(1000, 60);
    expect(d.input({ conditionTrue: false, clearTrue: false, ts: 1010 })).toEqual([]);
    expect(d.input({ conditionTrue: true, clearTrue: true, ts: 1020 })).toEqual([]);
    expect(d.input({ conditionTrue: false, clearTrue: 'unknown', ts: 1030 })).toEqual([]);
    expect(brief(d.input({ conditionTrue: 'unknown', clearTrue: true, ts: 1040 }))).toEqual([
      'resolved@1040',
    ]);
  });

  it('unknown never moves the state nor the watermark', () => {
    const d = new Driver(xRule());
    d.reading(1000, 60);
    const before = d.state;
    expect(d.input({ conditionTrue: 'unknown', ts: 2000 })).toEqual([]);
    expect(d.state).toEqual({ ...before, lastSeenTs: 2000 });
  });
});

describe('lifecycle: out-of-order and redelivered readings', () => {
  it('a reading older than the last evaluated one changes nothing but last-seen', () => {
    const d = new Driver(xRule());
    d.reading(1000, 60);
    const before = d.state!;
    expect(d.reading(900, 10)).toEqual([]);
    expect(d.state).toEqual(before);
  });

  it('a redelivered reading (same time, same value) emits nothing and leaves the same state', () => {
    for (const value of [10, 60]) {
      const d = new Driver(xRule({ forMs: FOR }));
      d.reading(1000, 60);
      d.reading(1200, value);
      const before = d.state;
      expect(d.reading(1200, value)).toEqual([]);
      expect(d.state).toEqual(before);
    }
  });

  it('a late reading still counts as last seen for no-data if it is newer than the last seen', () => {
    const d = new Driver(
      xRule({ condition: { type: 'noData', parameter: 'x', afterMs: 1000 }, title: 'silent' }),
    );
    d.reading(1000, 1);
    expect(brief(d.tick(2500))).toEqual(['firing@2000']);
    expect(d.reading(1500, 1)).toEqual([]); // older than the firing: not allowed to resolve it...
    expect(d.state).toMatchObject({ status: 'firing', lastSeenTs: 1500 }); // ...but seen
    expect(brief(d.reading(2600, 1))).toEqual(['resolved@2600']);
  });
});

describe('lifecycle: no data', () => {
  const silent = (forMs = 0) =>
    new Driver(
      xRule({ condition: { type: 'noData', parameter: 'x', afterMs: 1000 }, title: 'silent', forMs }),
    );

  it('fires once silence exceeds afterMs, at lastSeen + afterMs, and resolves at the next reading', () => {
    const d = silent();
    d.reading(1000, 1);
    expect(d.tick(2000)).toEqual([]);
    expect(d.tick(2001)).toEqual([{ kind: 'firing', ts: 2000, value: undefined, activeSince: 2000 }]);
    expect(d.tick(9000)).toEqual([]);
    expect(brief(d.reading(9500, 1))).toEqual(['resolved@9500']);
  });

  it('a reading exactly at the deadline is in time', () => {
    const d = silent();
    d.reading(1000, 1);
    expect(d.reading(2000, 1)).toEqual([]);
  });

  it('with forMs, silence goes pending first', () => {
    const d = silent(500);
    d.reading(1000, 1);
    expect(brief(d.tick(2200))).toEqual(['pending@2000']);
    expect(brief(d.tick(2600))).toEqual(['firing@2500']);
  });

  it('a gap found by the next reading, without ticks, still shows as fired and resolved', () => {
    const d = silent();
    d.reading(1000, 1);
    expect(brief(d.reading(5000, 1))).toEqual(['firing@2000', 'resolved@5000']);
  });
});

describe('lifecycle: renotify, acknowledge, manual resolve', () => {
  it('renotifies every interval while firing, on the interval grid, once per missed stretch', () => {
    const d = new Driver(xRule({ renotifyMs: 1000 }));
    d.reading(1000, 60);
    expect(d.tick(1999)).toEqual([]);
    expect(d.tick(2000)).toEqual([{ kind: 'renotify', ts: 2000, firedAt: 1000, count: 1 }]);
    expect(d.tick(2500)).toEqual([]);
    expect(d.tick(4700)).toEqual([{ kind: 'renotify', ts: 4000, firedAt: 1000, count: 3 }]);
    expect(d.tick(4700)).toEqual([]);
  });

  it('an acknowledged alert stops renotifying; acknowledging twice is one event; resolve clears it', () => {
    const d = new Driver(xRule({ renotifyMs: 1000 }));
    d.reading(1000, 60);
    expect(d.ack('ana', 1500)).toEqual([{ kind: 'acknowledged', ts: 1500, firedAt: 1000, by: 'ana' }]);
    expect(d.ack('bob', 1600)).toEqual([]);
    expect(d.state!.acknowledged).toEqual({ by: 'ana', ts: 1500 });
    expect(d.tick(5000)).toEqual([]);
    d.reading(6000, 10);
    expect(d.state!.acknowledged).toBeUndefined();
  });

  it('only a firing alert can be acknowledged or resolved by hand', () => {
    const d = new Driver(xRule({ forMs: FOR }));
    for (const f of [() => d.ack('ana', 1), () => d.resolve('ana', 1)]) {
      expect(f).toThrow(/only a firing alert/);
      d.reading(1000, 60); // pending is not firing either
      try {
        f();
      } catch (e) {
        expect(isDataInsightError(e, 'DI_CONFLICT')).toBe(true);
      }
    }
  });

  it('a manual resolve closes the alert and latches until the condition is seen false', () => {
    const d = new Driver(xRule());
    d.reading(1000, 60);
    expect(d.resolve('ana', 1500)).toEqual([
      { kind: 'resolved', ts: 1500, value: 60, firedAt: 1000, by: 'ana' },
    ]);
    expect(d.reading(1400, 10)).toEqual([]); // older than the resolve: ignored
    expect(d.reading(1600, 70)).toEqual([]); // same episode: no new alert
    expect(d.reading(1700, 10)).toEqual([]); // cleared: unlatched
    expect(brief(d.reading(1800, 70))).toEqual(['firing@1800']);
  });

  it('a manual resolve of a no-data alert does not re-fire on the next tick', () => {
    const d = new Driver(
      xRule({ condition: { type: 'noData', parameter: 'x', afterMs: 1000 }, title: 'silent' }),
    );
    d.reading(1000, 1);
    d.tick(3000);
    d.resolve('ana', 3100);
    expect(d.tick(10_000)).toEqual([]);
    d.reading(10_100, 1);
    expect(brief(d.tick(11_200))).toEqual(['firing@11100']);
  });
});

describe('lifecycle: flapping damping', () => {
  const flappy = () => new Driver(xRule({ flapping: { maxChanges: 3, windowMs: 1000 } }));

  it('holds the alert firing once it changes more than maxChanges times within the window, reporting once', () => {
    const d = flappy();
    expect(brief([...d.reading(100, 60), ...d.reading(200, 10), ...d.reading(300, 60)])).toEqual([
      'firing@100',
      'resolved@200',
      'firing@300',
    ]);
    expect(d.reading(400, 10)).toEqual([{ kind: 'flapping', ts: 400, firedAt: 300, changes: 4 }]);
    expect(d.state).toMatchObject({ status: 'firing', flapping: { since: 400, rawOpen: false } });
    for (let ts = 500; ts < 1500; ts += 100) expect(d.reading(ts, ts % 200 ? 60 : 10)).toEqual([]);
  });

  it('ends the hold when the condition has not changed for the window, resolving if it is clear', () => {
    const d = flappy();
    for (const [ts, v] of [
      [100, 60],
      [200, 10],
      [300, 60],
      [400, 10],
      [500, 60],
      [600, 10],
    ] as const)
      d.reading(ts, v);
    expect(d.tick(1599)).toEqual([]);
    expect(brief(d.tick(1600))).toEqual(['resolved@1600']);
    expect(d.state).toMatchObject({ status: 'resolved', flapping: undefined, changes: [1600] });
  });

  it('ends the hold into plain firing if the condition is true when it settles', () => {
    const d = flappy();
    for (const [ts, v] of [
      [100, 60],
      [200, 10],
      [300, 60],
      [400, 10],
      [500, 60],
    ] as const)
      d.reading(ts, v);
    expect(d.reading(1600, 60)).toEqual([]);
    expect(d.state).toMatchObject({ status: 'firing', firedAt: 300, flapping: undefined });
    expect(brief(d.reading(1700, 10))).toEqual(['resolved@1700']);
  });

  it('counts only changes within the window', () => {
    const d = flappy();
    for (const [ts, v] of [
      [100, 60],
      [200, 10],
      [1150, 60],
      [1300, 10],
      [2200, 60],
    ] as const)
      d.reading(ts, v);
    expect(d.log.map((e) => e.kind)).toEqual(['firing', 'resolved', 'firing', 'resolved', 'firing']);
  });

  it('a firing that makes it flap is reported as firing and flapping', () => {
    const d = new Driver(xRule({ flapping: { maxChanges: 2, windowMs: 1000 } }));
    d.reading(100, 60);
    d.reading(200, 10);
    expect(brief(d.reading(300, 60))).toEqual(['firing@300', 'flapping@300']);
  });
});

describe('lifecycle: purity', () => {
  it('never changes the state it is given', () => {
    const rule = xRule({ forMs: FOR, renotifyMs: 10, flapping: { maxChanges: 2, windowMs: 50 } });
    const s0 = transition(undefined, { conditionTrue: true, ts: 1, value: 1 }, rule).state;
    const frozen = structuredClone(s0);
    transition(s0, { conditionTrue: false, ts: 2, value: 1 }, rule);
    tick(s0, rule, 1000);
    expect(s0).toEqual(frozen);
  });

  it('keeps its state JSON-safe', () => {
    const d = new Driver(xRule({ forMs: FOR, renotifyMs: 10 }));
    d.reading(1, 60);
    d.tick(500);
    d.ack('ana', 501);
    expect(JSON.parse(JSON.stringify(d.state))).toEqual(d.state);
  });
});
