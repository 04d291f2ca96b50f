import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataInsightError } from '../platform/errors.js';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * PGlite keeps its files in DATA_DIR and cannot be shared by two processes: a second opener would
 * corrupt them. One process holds DATA_DIR/datainsight.pid; another gets a clear error instead.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'datainsight.pid');
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && pid !== process.pid && alive(pid)) {
      throw new DataInsightError(
        'DI_CONFIG_INVALID',
        `the embedded database in ${dataDir} is in use by process ${pid}; stop it first, use its HTTP API, or set DATA_DIR to another directory`,
        { field: 'DATA_DIR' },
      );
    }
  } catch (e) {
    if (e instanceof DataInsightError) throw e;
  }
  writeFileSync(file, String(process.pid));
  return () => rmSync(file, { force: true });
}
