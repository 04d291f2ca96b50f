import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * Where export files live: a narrow port (write a temporary object, commit it under its final key
 * atomically, read, delete, size), so an S3-compatible adapter can replace the local directory. Keys
 * are relative paths like `12/345.csv.gz`; temporary keys end in `.part`.
 */
export interface ExportFiles {
  /** A stream that writes the temporary object `tempKey` (created or truncated). */
  create(tempKey: string): Promise<Writable>;
  /** Make `tempKey` visible as `key` in one step (replacing any older `key`). */
  commit(tempKey: string, key: string): Promise<void>;
  /** The object, or undefined when it does not exist. */
  open(key: string): Promise<{ stream: Readable; size: number } | undefined>;
  size(key: string): Promise<number | undefined>;
  /** Delete an object; nothing when it does not exist. */
  remove(key: string): Promise<void>;
  /** Delete every temporary object whose key starts with `prefix` (left by a worker that died). */
  removeTemps(prefix: string): Promise<number>;
}

/** A directory on local disk (shared storage when API and exporter run on different hosts). */
export class LocalExportFiles implements ExportFiles {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const p = resolve(this.root, key);
    if (!p.startsWith(this.root + sep)) throw new Error(`export file key ${key} leaves the export directory`);
    return p;
  }

  async create(tempKey: string): Promise<Writable> {
    const p = this.path(tempKey);
    await mkdir(dirname(p), { recursive: true });
    const w = createWriteStream(p);
    await new Promise<void>((ok, fail) => {
      w.once('open', () => ok());
      w.once('error', fail);
    });
    return w;
  }

  async commit(tempKey: string, key: string): Promise<void> {
    // rename(2) within one directory is atomic: readers see the old file or the whole new one.
    await rename(this.path(tempKey), this.path(key));
  }

  async open(key: string): Promise<{ stream: Readable; size: number } | undefined> {
    const size = await this.size(key);
    if (size === undefined) return undefined;
    return { stream: createReadStream(this.path(key)), size };
  }

  async size(key: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(key))).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async removeTemps(prefix: string): Promise<number> {
    const p = this.path(prefix);
    let names: string[];
    try {
      names = await readdir(dirname(p));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw e;
    }
    const base = p.slice(dirname(p).length + 1);
    const temps = names.filter((n) => n.startsWith(base) && n.endsWith('.part'));
    for (const n of temps) await rm(join(dirname(p), n), { force: true });
    return temps.length;
  }
}
