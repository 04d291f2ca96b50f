/**
 * Serves the built web app (dist/web, from `npm run build:web`) at `/`: files as they are, hashed
 * assets with a year's cache, and index.html (no-cache) for any other GET that is not under /api/, so
 * client-side routes survive a reload. Registered last, so every API route wins over the catch-all.
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DataInsightError } from '../platform/errors.js';

export interface WebAppOptions {
  /** Folder holding index.html; default dist/web under the package root. */
  root?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths that belong to the API or operations: an unknown one is a JSON 404, never the app. */
const NOT_APP = /^\/(api|write|metrics|healthz|readyz)(\/|$)/;

/** The package root (the folder with package.json), from src/api or dist/src/api alike. */
export function defaultWebRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'web');
}

async function fileAt(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const full = resolve(root, '.' + decoded);
  if (full !== root && !full.startsWith(root + sep)) return undefined;
  const s = await stat(full).catch(() => undefined);
  return s?.isFile() ? full : undefined;
}

export function webAppRoutes(opts: WebAppOptions = {}): FastifyPluginAsync {
  const root = resolve(opts.root ?? defaultWebRoot());
  const index = join(root, 'index.html');

  const send = (reply: FastifyReply, file: string, cache: string) =>
    reply
      .header('content-type', TYPES[extname(file)] ?? 'application/octet-stream')
      .header('cache-control', cache)
      .header('x-content-type-options', 'nosniff')
      .send(createReadStream(file));

  const serve = async (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? '/';
    if (NOT_APP.test(path)) throw new DataInsightError('DI_NOT_FOUND', `no route ${req.method} ${path}`);
    const file = path === '/' ? undefined : await fileAt(root, path);
    if (file && file !== index) {
      const hashed = path.startsWith('/assets/');
      return send(reply, file, hashed ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    }
    // A missing asset is a 404, not the app: a stale index.html must not be parsed as JavaScript.
    if (path.startsWith('/assets/') || !existsSync(index))
      throw new DataInsightError(
        'DI_NOT_FOUND',
        existsSync(index) ? `no file ${path}` : 'the web app is not built; run "npm run build"',
      );
    return send(reply, index, 'no-cache');
  };

  return async (app) => {
    app.get('/', { schema: { hide: true } }, serve);
    app.get('/*', { schema: { hide: true } }, serve);
  };
}
