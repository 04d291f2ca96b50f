import type { ExportFiles } from './files.js';
import type { ExportJobs } from './jobs.js';

/** Delete the files of succeeded exports past their expiry and mark the jobs expired. Idempotent. */
export async function expireExports(jobs: ExportJobs, files: ExportFiles, now: number): Promise<number[]> {
  const expired: number[] = [];
  for (;;) {
    const due = await jobs.dueForExpiry(now);
    if (due.length === 0) return expired;
    for (const j of due) {
      if (j.fileKey) await files.remove(j.fileKey);
      await jobs.markExpired(j.id);
      expired.push(j.id);
    }
  }
}
