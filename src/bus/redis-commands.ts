import type { ChainableCommander } from 'ioredis';
import { isCluster, type RedisClient } from './redis-client.js';
import { redisError, type KeyCommand } from './redis-replies.js';

/**
 * Runs commands in as few round trips as the topology allows: one pipeline on a standalone server; on a
 * Cluster one pipeline per key, since a pipeline may not span slots. Returns the replies in command order;
 * the first error not `tolerated` is thrown as a coded error saying `what` failed.
 */
export async function runCommands(
  client: RedisClient,
  cmds: KeyCommand[],
  what: string,
  tolerated?: (e: Error) => boolean,
): Promise<unknown[]> {
  const groups = new Map<string, number[]>();
  if (isCluster(client)) {
    cmds.forEach((c, i) => {
      const list = groups.get(c.key);
      if (list) list.push(i);
      else groups.set(c.key, [i]);
    });
  } else {
    groups.set(
      '',
      cmds.map((_, i) => i),
    );
  }
  const replies = new Array<unknown>(cmds.length);
  try {
    await Promise.all(
      [...groups.values()].map(async (idx) => {
        const pipeline: ChainableCommander = client.pipeline();
        for (const i of idx) pipeline.call(cmds[i]!.name, cmds[i]!.args);
        const results = (await pipeline.exec()) ?? [];
        results.forEach(([err, reply], j) => {
          if (err && !tolerated?.(err)) throw err;
          replies[idx[j]!] = reply;
        });
      }),
    );
  } catch (e) {
    throw redisError(e, what);
  }
  return replies;
}
