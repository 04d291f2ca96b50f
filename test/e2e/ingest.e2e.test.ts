import { gzipSync } from 'node:zlib';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLineProtocol } from '../../src/ingest/parse/index.js';
import { MODES, seedTenant, startTestPlatform, type TestPlatform } from '../support/platform.js';

const api = async (p: TestPlatform, token: string, path: string) => {
  const r = await fetch(`${p.httpUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};

type Latest = {
  latest: { location: string; asset: string; sensor: string; parameter: string; value: number; ts: number }[];
};

for (const mode of MODES) {
  describe(`ingestion end to end (${mode})`, () => {
    let p: TestPlatform;
    let a: Awaited<ReturnType<typeof seedTenant>>;
    let b: Awaited<ReturnType<typeof seedTenant>>;

    beforeAll(async () => {
      p = await startTestPlatform(mode);
      a = await seedTenant(p.db);
      b = await seedTenant(p.db);
    }, 60_000);
    afterAll(() => p?.destroy());

    const latest = async (token: string, query: string) =>
      (await api(p, token, `/api/v1/latest?${query}`)).body as unknown as Latest;

    it('a reading published over MQTT with QoS 1 is stored and readable as latest value and aggregate', async () => {
      const device = await mqtt.connectAsync(p.mqttUrl, {
        username: a.device,
        password: a.password,
        clientId: `${a.device}-1`,
      });
      const ts = Date.now() - 60_000;
      await device.publishAsync(
        `di/${a.tenant}/plant/chiller-1/ch1`,
        JSON.stringify([
          { ts, values: { supply_temp: 7.5, on: true } },
          { ts: ts + 1000, values: { supply_temp: 8.5 } },
        ]),
        { qos: 1 },
      );
      await device.endAsync();
      await expect
        .poll(
          async () =>
            (await latest(a.token, 'sensor=plant/chiller-1/ch1')).latest.map((l) => [
              l.parameter,
              l.value,
              l.ts,
            ]),
          { timeout: 15_000 },
        )
        .toEqual([
          ['on', 1, ts],
          ['supply_temp', 8.5, ts + 1000],
        ]);
      const agg = await api(
        p,
        a.token,
        `/api/v1/aggregate?sensor=plant/chiller-1/ch1&parameter=supply_temp&from=${ts - 1}&to=${ts + 5000}`,
      );
      expect(agg.body.groups).toEqual([
        expect.objectContaining({ parameter: 'supply_temp', count: 2, avg: 8, min: 7.5, max: 8.5 }),
      ]);
    });

    it('InfluxDB line protocol over /write (v1) and /api/v2/write, escaping included, reads back exactly', async () => {
      const now = Date.now();
      const text = formatLineProtocol(
        [
          {
            measurement: 'ahu, main',
            tags: { location: 'hq', asset: 'ahu-1', sensor: 'ahu-1.s' },
            fields: {
              temp: { type: 'float', value: 19.25 },
              fan: { type: 'boolean', value: true },
              note: { type: 'string', value: 'say "hi", ok' },
            },
            ts: now - 2000,
          },
          {
            measurement: 'm',
            tags: { location: 'hq', asset: 'ahu-1', sensor: 'ahu-1.s' },
            fields: { rpm: { type: 'integer', value: 1200n } },
            ts: now - 1000,
          },
        ],
        { precision: 'ms' },
      );
      const v1 = await fetch(`${p.httpUrl}/write?db=anything&precision=ms&u=x&p=${a.token}`, {
        method: 'POST',
        body: text,
      });
      // The string field is refused (we store numbers) and named; the other fields of the line are kept.
      expect(v1.status).toBe(400);
      const v1Body = (await v1.json()) as { error: string; details: { accepted: number } };
      expect(v1Body.error).toMatch(/partial write: line 1: .*note/);
      expect(v1Body.details.accepted).toBe(3);
      const v2 = await fetch(`${p.httpUrl}/api/v2/write?org=o&bucket=b&precision=ms`, {
        method: 'POST',
        headers: { authorization: `Token ${a.token}`, 'content-encoding': 'gzip' },
        body: gzipSync(`m,location=hq,asset=ahu-1,sensor=ahu-1.s temp=20.5 ${now}\n`),
      });
      expect(v2.status).toBe(204);
      await expect
        .poll(
          async () =>
            (await latest(a.token, 'sensor=hq/ahu-1/ahu-1.s')).latest.map((l) => [l.parameter, l.value]),
          { timeout: 15_000 },
        )
        .toEqual([
          ['fan', 1],
          ['rpm', 1200],
          ['temp', 20.5],
        ]);
    });

    it('a malformed record in an HTTP batch is named in a 400 while its good neighbours are stored', async () => {
      const ts = Date.now() - 5000;
      const r = await fetch(`${p.httpUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          readings: [
            { location: 'hq', asset: 'ac-1', sensor: 'ac-1-main', ts, values: { room_temp: 22.1 } },
            { location: 'hq', asset: 'ac-1', sensor: 'ac-1-main', ts: ts + 1, values: { room_temp: 'warm' } },
            { location: 'hq', asset: 'ac/1', sensor: 'x', ts, values: { room_temp: 1 } },
            { location: 'hq', asset: 'ac-1', sensor: 'ac-1-main', ts: ts + 2, values: { setpoint: 23 } },
          ],
        }),
      });
      expect(r.status).toBe(400);
      const body = (await r.json()) as {
        code: string;
        details: { accepted: number; rejected: { index: number; field: string }[] };
      };
      expect(body.code).toBe('DI_VALIDATION');
      expect(body.details.accepted).toBe(2);
      expect(body.details.rejected.map((x) => x.index)).toEqual([1, 2]);
      expect(body.details.rejected[0]!.field).toContain('room_temp');
      await expect
        .poll(
          async () =>
            (await latest(a.token, 'sensor=hq/ac-1/ac-1-main')).latest.map((l) => [l.parameter, l.value]),
          { timeout: 15_000 },
        )
        .toEqual([
          ['room_temp', 22.1],
          ['setpoint', 23],
        ]);
    });

    it('a bad MQTT message is acknowledged, lands in the rejection list with its reason, and stops nothing', async () => {
      const device = await mqtt.connectAsync(p.mqttUrl, {
        username: a.device,
        password: a.password,
        clientId: `${a.device}-2`,
      });
      await device.publishAsync(`di/${a.tenant}/hq/m-1/m-1`, '{"ts": "yesterday", "values": {"kw": 1}}', {
        qos: 1,
      });
      await device.publishAsync(`di/${a.tenant}/hq/m-1/m-1`, JSON.stringify({ values: { kw: 42 } }), {
        qos: 1,
      });
      await device.endAsync();
      await expect
        .poll(async () => (await latest(a.token, 'sensor=hq/m-1/m-1')).latest.map((l) => l.value), {
          timeout: 15_000,
        })
        .toEqual([42]);
      await expect
        .poll(
          async () =>
            (
              (await api(p, a.token, '/api/v1/ingest/rejections')).body.rejections as {
                field: string;
                source: string;
              }[]
            ).map((x) => x.source),
          { timeout: 15_000 },
        )
        .toContain(`mqtt:di/${a.tenant}/hq/m-1/m-1`);
    });

    it('a token of tenant A reads nothing of tenant B, whatever ids it names', async () => {
      const ts = Date.now() - 1000;
      const r = await fetch(`${p.httpUrl}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${b.token}`, 'content-type': 'application/json' },
        body: JSON.stringify([{ location: 'secret', asset: 'vault', sensor: 'v', ts, values: { temp: 1 } }]),
      });
      expect(r.status).toBe(202);
      await expect
        .poll(async () => (await latest(b.token, 'location=secret')).latest.length, { timeout: 15_000 })
        .toBe(1);
      const bSeries = (await latest(b.token, 'location=secret')).latest[0] as unknown as { seriesId: number };
      expect((await latest(a.token, 'location=secret')).latest).toEqual([]);
      const series = await api(p, a.token, `/api/v1/series?series=${bSeries.seriesId}&from=now-1h`);
      expect(series.body.series).toEqual([]);
      expect((await api(p, a.token, `/api/v1/aggregate?series=${bSeries.seriesId}`)).body.groups).toEqual([]);
      expect((await api(p, 'dit_not-a-token', '/api/v1/locations')).status).toBe(401);
    });

    if (mode === 'embedded') {
      it('a device may not publish under another tenant: it is disconnected and nothing is stored', async () => {
        const device = await mqtt.connectAsync(p.mqttUrl, {
          username: a.device,
          password: a.password,
          clientId: `${a.device}-3`,
          reconnectPeriod: 0,
        });
        const closed = new Promise<void>((r) => device.once('close', () => r()));
        device.publish(`di/${b.tenant}/intrude/x/y`, JSON.stringify({ values: { temp: 99 } }), { qos: 1 });
        await closed;
        device.end(true);
        await new Promise((r) => setTimeout(r, 500));
        expect((await latest(b.token, 'location=intrude')).latest).toEqual([]);
      });

      it('wrong device credentials are refused at connect', async () => {
        await expect(
          mqtt.connectAsync(p.mqttUrl, { username: a.device, password: 'wrong', reconnectPeriod: 0 }),
        ).rejects.toThrow();
      });
    }
  });
}
