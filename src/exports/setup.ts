import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { Db } from '../db/port.js';
import { LocalExportFiles, type ExportFiles } from './files.js';
import { LinkSigner } from './signing.js';

/** The export file store the configuration names (the local directory; an S3 adapter would go here). */
export function exportFilesFor(config: Pick<Config, 'exportDir' | 'dataDir'>): ExportFiles {
  return new LocalExportFiles(config.exportDir ?? join(config.dataDir, 'exports'));
}

/** The link signer, loaded once on first use (it may create the key in the database). */
export function signerFor(db: Db, config: Pick<Config, 'exportLinkSecret'>): () => Promise<LinkSigner> {
  let signer: Promise<LinkSigner> | undefined;
  return () => {
    signer ??= LinkSigner.load(db, config.exportLinkSecret).catch((e: unknown) => {
      signer = undefined;
      throw e;
    });
    return signer;
  };
}
