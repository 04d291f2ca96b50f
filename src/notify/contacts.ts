import { z } from 'zod';
import { PRIORITIES } from '../alerting/domain/rule.js';
import { KEY_PATTERN } from '../ingest/parse/validate.js';
import { CHANNEL_KINDS } from './port.js';

/** What people and their notification preferences look like on the API, validated with zod. */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'must be HH:MM (24 h)' });
const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { error: 'must be an IANA time zone, e.g. Europe/Berlin' },
);

export const UserBody = z.strictObject({
  email: z.email({ error: 'must be an e-mail address' }),
  name: z.string().max(200).default(''),
  timezone: timeZone.default('UTC'),
  quietHours: z.strictObject({ start: hhmm, end: hhmm }).nullable().default(null),
  digest: z
    .strictObject({
      every: z.enum(['day', 'week']),
      at: hhmm,
      weekday: z.number().int().min(1).max(7).optional(),
    })
    .default({ every: 'day', at: '08:00' }),
});

export const UserPatch = UserBody.omit({ email: true }).partial();

const e164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, { error: 'must be an E.164 phone number, e.g. +4915112345678' });

export const ContactPointBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('email'),
    address: z.strictObject({ email: z.email({ error: 'must be an e-mail address' }) }),
    label: z.string().max(100).default(''),
  }),
  z.strictObject({
    kind: z.literal('sms'),
    address: z.strictObject({ phone: e164 }),
    label: z.string().max(100).default(''),
  }),
  z.strictObject({
    kind: z.literal('whatsapp'),
    address: z.strictObject({ phone: e164 }),
    label: z.string().max(100).default(''),
  }),
  z.strictObject({
    kind: z.literal('telegram'),
    address: z.strictObject({
      chatId: z
        .string()
        .regex(/^-?\d{1,20}$|^@[A-Za-z0-9_]{5,32}$/, { error: 'must be a numeric chat id or @channel' }),
    }),
    label: z.string().max(100).default(''),
  }),
  z.strictObject({
    kind: z.literal('push'),
    address: z.strictObject({
      subscription: z.strictObject({
        endpoint: z.url({ protocol: /^https?$/, error: 'must be the push service URL of the subscription' }),
        expirationTime: z.number().nullable().optional(),
        keys: z.strictObject({ p256dh: z.string().min(1), auth: z.string().min(1) }),
      }),
    }),
    label: z.string().max(100).default(''),
  }),
  z.strictObject({
    kind: z.literal('webhook'),
    address: z.strictObject({
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      secret: z.string().min(16, { error: 'must be at least 16 characters' }),
    }),
    label: z.string().max(100).default(''),
  }),
]);

export const SubscriptionBody = z.strictObject({
  scope: z
    .strictObject({
      locations: z.array(z.string().regex(KEY_PATTERN)).min(1).optional(),
      assets: z
        .array(z.string().regex(/^[^/]+\/[^/]+$/, { error: 'must be location/asset' }))
        .min(1)
        .optional(),
      rules: z.array(z.string().regex(KEY_PATTERN)).min(1).optional(),
      labels: z.record(z.string(), z.string()).optional(),
    })
    .default({}),
  minPriority: z.enum(PRIORITIES),
  channels: z.partialRecord(
    z.enum(PRIORITIES),
    z.array(z.number().int().positive()).max(CHANNEL_KINDS.length * 4),
  ),
  fireAndForget: z.boolean().default(false),
  /** Critical alerts unacknowledged after afterMs also go to these contact points (anyone's in the tenant). */
  escalation: z
    .strictObject({
      afterMs: z.number().int().min(60_000, { error: 'must be at least a minute' }),
      contactPoints: z.array(z.number().int().positive()).min(1),
    })
    .optional(),
});
