/**
 * A Web Push service on an ephemeral port, for the push channel's tests and the end-to-end tests. It
 * speaks RFC 8030 over HTTPS (the web-push library only does https: the certificate below is a
 * self-signed test certificate for 127.0.0.1, trusted through `agent`), hands out test subscriptions
 * whose ECDH key pair and auth secret it keeps like a browser would, and for every push records the
 * headers, the encrypted body, the VAPID token (checked against its key) and the payload DECRYPTED per
 * RFC 8291 (aes128gcm, RFC 8188), so tests see exactly what the service worker would get.
 */
import {
  createDecipheriv,
  createECDH,
  createPublicKey,
  hkdfSync,
  randomBytes,
  randomUUID,
  verify,
  type ECDH,
} from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** Self-signed P-256 certificate for IP 127.0.0.1 / localhost, valid until 2126. Test use only. */
export const TEST_PUSH_CERT = `-----BEGIN CERTIFICATE-----
MIIB1jCCAXygAwIBAgIUDMWGyRmhOgdlAWzDsUwIqfZVNSMwCgYIKoZIzj0EAwIw
KDEmMCQGA1UEAwwdRGF0YUluc2lnaHQgdGVzdCBwdXNoIHNlcnZpY2UwIBcNMjYx
MTI3MjEwODMyWhgPMjEyNjExMDMyMTA4MzJaMCgxJjAkBgNVBAMMHURhdGFJbnNp
Z2h0IHRlc3QgcHVzaCBzZXJ2aWNlMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
nHqTH5BOHBp0lZJtGkYhfS1F3RIXh/XzEOyZr9cVxffp+2+Oaxs4SW5q5G08MgYl
m7Wr2T7YNOflTHeatJqhAKOBgTB/MB0GA1UdDgQWBBRjR9p6C/QYhezMB1gOaOOS
1guGqzAfBgNVHSMEGDAWgBRjR9p6C/QYhezMB1gOaOOS1guGqzAaBgNVHREEEzAR
hwR/AAABgglsb2NhbGhvc3QwDAYDVR0TAQH/BAIwADATBgNVHSUEDDAKBggrBgEF
BQcDATAKBggqhkjOPQQDAgNIADBFAiBeYtAc3bYC9iP3aOfvgpYb3po+++knVviG
FnmFJBYV4AIhAKPVvtTc9OcvrdISV4rlAfZooj0ZQYl62B3i2nezxDnX
-----END CERTIFICATE-----
`;
const TEST_PUSH_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvNAIA430aRlN9XHC
IT35FxSbr826BwQaJ/ca1P3bZcehRANCAAScepMfkE4cGnSVkm0aRiF9LUXdEheH
9fMQ7Jmv1xXF9+n7b45rGzhJbmrkbTwyBiWbtavZPtg05+VMd5q0mqEA
-----END PRIVATE KEY-----
`;

/**
 * RFC 8291 §3.4 + RFC 8188 §2: decrypt an aes128gcm push body with the user agent's private key and
 * auth secret. Throws if the header, a record tag or the padding is wrong.
 */
export function decryptAes128gcm(body: Buffer, uaPrivateKey: Buffer, authSecret: Buffer): Buffer {
  if (body.length < 21) throw new Error('aes128gcm: body shorter than its header');
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20] ?? 0;
  if (idlen !== 65) throw new Error(`aes128gcm: keyid must be the 65-byte sender key, got ${idlen} bytes`);
  if (rs < 18) throw new Error(`aes128gcm: record size ${rs} too small`);
  const asPublic = body.subarray(21, 21 + idlen);
  const ua: ECDH = createECDH('prime256v1');
  ua.setPrivateKey(uaPrivateKey);
  const ecdhSecret = ua.computeSecret(asPublic);
  // IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" 0x00 ua_public as_public, 32)
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), ua.getPublicKey(), asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonceBase = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));

  const records = body.subarray(21 + idlen);
  const plain: Buffer[] = [];
  for (let seq = 0, off = 0; off < records.length; seq++, off += rs) {
    const record = records.subarray(off, off + rs);
    const last = off + rs >= records.length;
    const nonce = Buffer.from(nonceBase);
    nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8); // XOR the sequence number into the nonce
    const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()]);
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    if (padded[end] !== (last ? 2 : 1)) throw new Error(`aes128gcm: bad padding delimiter in record ${seq}`);
    plain.push(padded.subarray(0, end));
  }
  return Buffer.concat(plain);
}

export interface VapidToken {
  header: Record<string, unknown>;
  claims: { aud?: string; exp?: number; sub?: string };
  /** The `k=` public key, base64url. */
  publicKey: string;
  /** The ES256 signature checks out against `publicKey`. */
  signatureValid: boolean;
}

/** Parse and verify `Authorization: vapid t=<jwt>, k=<key>` (RFC 8292 §3). */
export function parseVapidAuthorization(value: string | undefined): VapidToken | undefined {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(value ?? '');
  if (!match?.[1] || !match[2]) return undefined;
  const [h = '', c = '', s = ''] = match[1].split('.');
  const point = Buffer.from(match[2], 'base64url');
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: point.subarray(1, 33).toString('base64url'),
      y: point.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  const signatureValid = verify(
    'sha256',
    Buffer.from(`${h}.${c}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(c, 'base64url').toString()) as VapidToken['claims'],
    publicKey: match[2],
    signatureValid,
  };
}

export interface TestSubscription {
  id: string;
  /** What a browser's PushSubscription.toJSON() gives: store this in a contact point. */
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } };
  uaPrivateKey: Buffer;
  authSecret: Buffer;
}

export interface ReceivedPush {
  subscriptionId: string;
  method: string;
  headers: IncomingHttpHeaders;
  /** The encrypted body, as sent. */
  body: Buffer;
  /** The decrypted payload, when it decrypted. */
  payload?: string;
  decryptError?: string;
  vapid?: VapidToken;
}

export interface PushReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface TestPushService {
  origin: string;
  /** An https.Agent that trusts the service's certificate: pass it to the web-push channel. */
  agent: Agent;
  received: ReceivedPush[];
  subscribe(): TestSubscription;
  /** The subscription expires: every later push to it is answered 410 Gone. */
  expire(id: string): void;
  /** Answer the next push with this instead of 201 Created. */
  replyNext(reply: PushReply): void;
  close(): Promise<void>;
}

export async function startPushService(): Promise<TestPushService> {
  const subscriptions = new Map<string, TestSubscription>();
  const expired = new Set<string>();
  const replies: PushReply[] = [];
  const received: ReceivedPush[] = [];
  let messages = 0;

  const server = createServer({ cert: TEST_PUSH_CERT, key: TEST_PUSH_KEY }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = /^\/push\/([^/?]+)$/.exec(req.url ?? '')?.[1] ?? '';
      const sub = subscriptions.get(id);
      const body = Buffer.concat(chunks);
      const push: ReceivedPush = { subscriptionId: id, method: req.method ?? '', headers: req.headers, body };
      push.vapid = parseVapidAuthorization(req.headers.authorization);
      if (sub && body.length > 0) {
        try {
          push.payload = decryptAes128gcm(body, sub.uaPrivateKey, sub.authSecret).toString('utf8');
        } catch (err) {
          push.decryptError = (err as Error).message;
        }
      }
      received.push(push);
      const reply: PushReply =
        replies.shift() ??
        (!sub
          ? { status: 404, body: 'Not Found' }
          : expired.has(id)
            ? { status: 410, body: 'push subscription has unsubscribed or expired.' }
            : { status: 201, headers: { Location: `${origin}/message/${++messages}` } });
      res.writeHead(reply.status, reply.headers).end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: TEST_PUSH_CERT, keepAlive: false });

  return {
    origin,
    agent,
    received,
    subscribe() {
      const ua = createECDH('prime256v1');
      ua.generateKeys();
      const authSecret = randomBytes(16);
      const id = randomUUID();
      const sub: TestSubscription = {
        id,
        subscription: {
          endpoint: `${origin}/push/${id}`,
          keys: { p256dh: ua.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') },
        },
        uaPrivateKey: ua.getPrivateKey(),
        authSecret,
      };
      subscriptions.set(id, sub);
      return sub;
    },
    expire(id) {
      expired.add(id);
    },
    replyNext(reply) {
      replies.push(reply);
    },
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
