import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestError } from './errors.js';
import { createHttpProducer, type HttpProducerOptions, type HttpRecord } from './http-producer.js';

interface Captured {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Answers the n-th request with the n-th responder (the last one repeats) and keeps every request. */
type Responder = (req: Captured, res: ServerResponse) => void;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };
const accepted = (req: Captured, res: ServerResponse): void => {
  const n = (JSON.parse(decode(req)) as { readings: unknown[] }).readings.length;
  json(200, { accepted: n, rejected: [] })(req, res);
};

function decode(req: Captured): string {
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(req.body) : req.body).toString('utf8');
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(responders: Responder[]): Promise<{ baseUrl: string; requests: Captured[] }> {
  const requests: Captured[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const captured = {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(captured);
      const respond = responders[Math.min(requests.length, responders.length) - 1];
      respond?.(captured, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, requests };
}

const NOW = 1_700_000_000_000;
const records: HttpRecord[] = [
  {
    location: 'hq',
    asset: 'chiller-1',
    sensor: 'chiller-1-main',
    ts: NOW - 1000,
    values: { on: 1, supply_temp: 6.8 },
  },
  { location: 'hq', asset: 'ac-1', sensor: 'ac-1-main', values: { room_temp: 23.9 } },
];

function producer(baseUrl: string, extra: Partial<HttpProducerOptions> = {}) {
  const sleeps: number[] = [];
  const p = createHttpProducer({
    baseUrl,
    token: 'tok-123',
    tenant: 'acme',
    now: () => NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...extra,
  });
  return { p, sleeps };
}

describe('createHttpProducer', () => {
  it('sends the exact request: POST /api/v1/ingest, bearer token, gzip JSON body with ts stamped', async () => {
    const { baseUrl, requests } = await serve([accepted]);
    const { p } = producer(`${baseUrl}/`, { gzip: true });

    await expect(p.send(records)).resolves.toEqual({ accepted: 2, rejected: [] });

    expect(requests).toHaveLength(1);
    const req = requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/v1/ingest');
    expect(req.headers.authorization).toBe('Bearer tok-123');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['content-encoding']).toBe('gzip');
    expect(JSON.parse(gunzipSync(req.body).toString('utf8'))).toEqual({
      readings: [
        {
          location: 'hq',
          asset: 'chiller-1',
          sensor: 'chiller-1-main',
          ts: NOW - 1000,
          values: { on: 1, supply_temp: 6.8 },
        },
        { location: 'hq', asset: 'ac-1', sensor: 'ac-1-main', ts: NOW, values: { room_temp: 23.9 } },
      ],
    });
  });

  it('keeps a path prefix of baseUrl and sends plain JSON without Content-Encoding by default', async () => {
    const { baseUrl, requests } = await serve([accepted]);
    await producer(`${baseUrl}/di`).p.send(records);
    expect(requests[0]?.url).toBe('/di/api/v1/ingest');
    expect(requests[0]?.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(requests[0]!.body.toString('utf8'))).toHaveProperty('readings.length', 2);
  });

  it('waits for Retry-After on 429, then resends the identical body', async () => {
    const { baseUrl, requests } = await serve([
      json(429, { code: 'DI_RATE_LIMITED', message: 'slow down' }, { 'retry-after': '2' }),
      accepted,
    ]);
    const { p, sleeps } = producer(baseUrl, { gzip: true });

    await expect(p.send(records)).resolves.toEqual({ accepted: 2, rejected: [] });

    expect(sleeps).toEqual([2000]);
    expect(requests).toHaveLength(2);
    expect(decode(requests[1]!)).toBe(decode(requests[0]!));
  });

  it('backs off with jitter on 503 and on a dropped connection', async () => {
    const { baseUrl, requests } = await serve([
      json(503, { code: 'DI_SHUTTING_DOWN', message: 'draining' }),
      (_req, res) => res.socket?.destroy(),
      accepted,
    ]);
    const { p, sleeps } = producer(baseUrl);

    await expect(p.send(records)).resolves.toMatchObject({ accepted: 2 });

    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeLessThanOrEqual(250);
    expect(sleeps[1]).toBeLessThanOrEqual(500);
  });

  it('never retries a 4xx other than 429, and hands over the per-record reasons', async () => {
    const body = {
      code: 'DI_VALIDATION',
      message: 'bad records',
      errors: [{ index: 1, field: 'values.room_temp', reason: 'not a number' }],
    };
    const { baseUrl, requests } = await serve([json(400, body)]);
    const { p, sleeps } = producer(baseUrl);

    const err = await p.send(records).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(IngestError);
    expect(err).toMatchObject({
      status: 400,
      code: 'DI_VALIDATION',
      retryable: false,
      unsentFrom: 0,
      rejected: [{ index: 1, field: 'values.room_temp', reason: 'not a number' }],
    });
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('does not retry 413 either', async () => {
    const { baseUrl, requests } = await serve([
      json(413, { code: 'DI_PAYLOAD_TOO_LARGE', message: 'too large' }),
    ]);
    await expect(producer(baseUrl).p.send(records)).rejects.toMatchObject({ status: 413, retryable: false });
    expect(requests).toHaveLength(1);
  });

  it('splits into maxBatch requests in order and re-indexes rejections to the caller records', async () => {
    const { baseUrl, requests } = await serve([
      accepted,
      json(200, { accepted: 1, rejected: [{ index: 0, field: 'ts', reason: 'in the future' }] }),
      accepted,
    ]);
    const five = Array.from({ length: 5 }, (_, i): HttpRecord => ({
      location: 'hq',
      asset: 'meter-1',
      sensor: 'meter-1-main',
      ts: NOW + i,
      values: { power_kw: i },
    }));

    const result = await producer(baseUrl, { maxBatch: 2 }).p.send(five);

    expect(result).toEqual({ accepted: 4, rejected: [{ index: 2, field: 'ts', reason: 'in the future' }] });
    const tss = requests.map((r) =>
      (JSON.parse(r.body.toString('utf8')) as { readings: { ts: number }[] }).readings.map((x) => x.ts),
    );
    expect(tss).toEqual([[NOW, NOW + 1], [NOW + 2, NOW + 3], [NOW + 4]]);
  });

  it('gives up after maxRetries with a retryable error saying what is still unsent', async () => {
    const { baseUrl, requests } = await serve([
      accepted,
      json(503, { code: 'DI_SHUTTING_DOWN', message: 'draining' }),
    ]);
    const { p } = producer(baseUrl, { maxBatch: 1, retry: { maxRetries: 2 } });

    await expect(p.send(records)).rejects.toMatchObject({ status: 503, retryable: true, unsentFrom: 1 });
    expect(requests).toHaveLength(1 + 3);
  });

  it('hands a Retry-After longer than maxRetryAfterMs back to the caller instead of hanging', async () => {
    const { baseUrl, requests } = await serve([
      json(429, { code: 'DI_RATE_LIMITED', message: 'later' }, { 'retry-after': '3600' }),
    ]);
    const { p, sleeps } = producer(baseUrl);

    await expect(p.send(records)).rejects.toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 3_600_000,
    });
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('sends nothing for no records and refuses a bad tenant name at creation', async () => {
    const { baseUrl, requests } = await serve([accepted]);
    await expect(producer(baseUrl).p.send([])).resolves.toEqual({ accepted: 0, rejected: [] });
    expect(requests).toHaveLength(0);
    expect(() => producer(baseUrl, { tenant: 'a/b' })).toThrow(/tenant "a\/b" is not a valid name/);
  });
});
