/**
 * Lag of a consumer group per partition, from XINFO GROUPS (Redis 7 reports "lag", the entries not yet
 * delivered, and the PEL size) and XLEN.
 */
import { DataInsightError } from '../platform/errors.js';
import type { PartitionLag } from './port.js';
import { parseGroupInfo, type CommandRunner } from './redis-replies.js';

/** Entries fetched per XRANGE when counting by hand. */
const PAGE = 10_000;

export async function lagOf(keys: string[], group: string, run: CommandRunner): Promise<PartitionLag[]> {
  const replies = await run(
    keys.flatMap((key) => [
      { key, name: 'XINFO', args: ['GROUPS', key] },
      { key, name: 'XLEN', args: [key] },
    ]),
    `XINFO GROUPS for group "${group}"`,
  ).catch((e: unknown) => {
    if (e instanceof Error && /no such key/i.test(e.message)) throw missingGroup(group, e.message);
    throw e;
  });
  return Promise.all(
    keys.map(async (key, partition) => {
      const info = parseGroupInfo(replies[2 * partition], group);
      if (!info) throw missingGroup(group, `no group on ${key}`);
      const length = Number(replies[2 * partition + 1]);
      // "lag" counts entries trimmed before delivery too; those left are at most XLEN. It is null after
      // deletions inside the undelivered range (XDEL, XGROUP SETID): then count what follows the group's id.
      const undelivered =
        info.lag === null ? await countAfter(key, info.lastDeliveredId, run) : Math.min(info.lag, length);
      return { partition, undelivered, pending: info.pending };
    }),
  );
}

async function countAfter(key: string, lastId: string, run: CommandRunner): Promise<number> {
  let count = 0;
  let from = `(${lastId}`;
  for (;;) {
    const [page] = await run(
      [{ key, name: 'XRANGE', args: [key, from, '+', 'COUNT', PAGE] }],
      `XRANGE on ${key}`,
    );
    const entries = page as [string, unknown][];
    count += entries.length;
    if (entries.length < PAGE) return count;
    from = `(${entries[entries.length - 1]![0]}`;
  }
}

function missingGroup(group: string, detail: string): DataInsightError {
  return new DataInsightError(
    'DI_CONFIG_INVALID',
    `redis bus: consumer group "${group}" does not exist (${detail}): call ensureGroup first`,
    { field: 'group' },
  );
}
