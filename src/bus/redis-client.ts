/**
 * Redis connections from a URL. One URL form per topology:
 *   redis://[user:pass@]host:6379[/db]              a standalone server (rediss:// for TLS)
 *   redis+cluster://[user:pass@]h1:7000,h2:7001     a Redis Cluster; the hosts are seed nodes
 *                                                  (rediss+cluster:// for TLS)
 * `redis://h1:7000,h2:7001?cluster=1` is accepted as a synonym of redis+cluster:// for tools that only
 * allow the plain scheme.
 */
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import { DataInsightError } from '../platform/errors.js';
import { maskUrl } from '../platform/logger.js';

export type RedisClient = Redis | Cluster;

export interface ParsedRedisUrl {
  cluster: boolean;
  nodes: { host: string; port: number }[];
  options: Pick<RedisOptions, 'username' | 'password' | 'db' | 'tls'>;
}

const URL_SHAPE = /^(rediss?)(\+cluster)?:\/\/(?:([^@/]*)@)?([^/?#]+)(?:\/(\d*))?(?:\?([^#]*))?$/;

export function parseRedisUrl(url: string): ParsedRedisUrl {
  const bad = (why: string): DataInsightError =>
    new DataInsightError('DI_CONFIG_INVALID', `REDIS_URL ${maskUrl(url)} is invalid: ${why}`, {
      field: 'REDIS_URL',
    });
  const m = URL_SHAPE.exec(url);
  if (!m) throw bad('expected redis://host:port, rediss://... or redis+cluster://host:port,host:port');
  const [, scheme, clusterScheme, auth, hostList, db, query] = m;
  const params = new URLSearchParams(query ?? '');
  const cluster = Boolean(clusterScheme) || params.get('cluster') === '1' || params.get('cluster') === 'true';
  const nodes = hostList!.split(',').map((hp) => {
    const hm = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hp);
    if (!hm) throw bad(`cannot read host "${hp}"`);
    const port = hm[2] === undefined ? 6379 : Number(hm[2]);
    if (port < 1 || port > 65535) throw bad(`port ${port} is out of range`);
    return { host: hm[1]!.replace(/^\[|\]$/g, ''), port };
  });
  if (!cluster && nodes.length > 1) throw bad('several hosts need redis+cluster:// (or ?cluster=1)');
  if (cluster && db) throw bad('Redis Cluster has only database 0');
  const options: ParsedRedisUrl['options'] = {};
  if (auth) {
    const colon = auth.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? '' : auth.slice(0, colon));
    const password = decodeURIComponent(colon < 0 ? auth : auth.slice(colon + 1));
    if (user) options.username = user;
    if (password) options.password = password;
  }
  if (db) options.db = Number(db);
  if (scheme === 'rediss') options.tls = {};
  return { cluster, nodes, options };
}

/** A Redis or Cluster client for `url`. The caller owns it and quits it. */
export function createRedisClient(url: string, extra: Partial<RedisOptions> = {}): RedisClient {
  const parsed = parseRedisUrl(url);
  if (parsed.cluster) {
    const seeds: ClusterNode[] = parsed.nodes.map((n) => ({ host: n.host, port: n.port }));
    return new Cluster(seeds, { redisOptions: { ...parsed.options, ...extra }, scaleReads: 'master' });
  }
  const node = parsed.nodes[0]!;
  return new Redis({ host: node.host, port: node.port, ...parsed.options, ...extra });
}

export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
