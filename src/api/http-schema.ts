/**
 * Route schemas written once, in zod: `documented()` turns a zod schema into the JSON Schema that
 * @fastify/swagger puts in the OpenAPI document, and `zodValidatorCompiler` validates the request part
 * with the zod schema itself. So the documentation cannot drift from the checks, and a bad request gets
 * our error shape naming the field (Fastify's Ajv would silently drop unknown keys of a strict object
 * and coerce types, which must not happen to a rule or a silence).
 */
import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import { DataInsightError } from '../platform/errors.js';

const ZOD = new WeakMap<object, z.ZodType>();

/**
 * The JSON Schema of `validate` (or of `docs`, when what the route documents differs from what the
 * compiler checks, e.g. a rule body that the domain validates after the tenant is filled in).
 */
export function documented(validate: z.ZodType, docs: z.ZodType = validate): Record<string, unknown> {
  const json = z.toJSONSchema(docs, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  ZOD.set(json, validate);
  return json;
}

/** "condition.low", "matcher.assets[0]": the path of a zod issue as our error `field`. */
export function fieldOf(path: readonly PropertyKey[], prefix = ''): string {
  return path.reduce<string>(
    (acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)),
    prefix,
  );
}

/** A zod failure as a DataInsightError: DI_VALIDATION for bodies, DI_BAD_REQUEST for the URL. */
export function zodError(
  error: z.ZodError,
  part: 'body' | 'querystring' | 'params' | string,
): DataInsightError {
  const errors = error.issues.map((i) => ({ field: fieldOf(i.path) || part, reason: i.message }));
  const first = errors[0] ?? { field: part, reason: 'is invalid' };
  return new DataInsightError(
    part === 'body' ? 'DI_VALIDATION' : 'DI_BAD_REQUEST',
    `${first.field}: ${first.reason}`,
    { field: first.field, details: { errors } },
  );
}

/** Parse with a zod schema or throw our error naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, data: unknown, part = 'body'): z.output<T> {
  const r = schema.safeParse(data);
  if (!r.success) throw zodError(r.error, part);
  return r.data;
}

export const zodValidatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const validate = ZOD.get(schema as object);
  if (validate === undefined) {
    throw new Error(`the ${httpPart ?? 'request'} schema of this route must be built with documented()`);
  }
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    // Fastify passes null for a missing part (e.g. a POST without a body).
    const r = validate.safeParse(data === null ? undefined : data);
    return r.success ? { value: r.data } : { error: zodError(r.error, part) };
  };
};

/** Query-string helpers: a repeated key arrives as an array, a single one as a string. */
export const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.output<T>[]);

export const queryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');

export const queryInt = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** A time in a query or body: epoch ms, ISO-8601 with a zone, or now-7d (parsed by parseTimeParam). */
export const timeInput = z.union([z.number().int(), z.string().min(1)]);
