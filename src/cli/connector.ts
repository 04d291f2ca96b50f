/**
 * `datainsight connector add|test|run|status`: legacy-source connectors from the command line, against
 * the configured database (the API offers the same: /api/v1/connectors).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Config } from '../config/config.js';
import { filesRootOf } from '../connectors/connector-role.js';
import { ConnectorRepo, publicView, type ConnectorRecord } from '../connectors/repo.js';
import { dryRun, testSource, validateDefinition } from '../connectors/service.js';
import type { ConnectorSpec } from '../connectors/spec.js';
import { lockDataDir } from '../db/dir-lock.js';
import type { Db } from '../db/port.js';
import type { WithDb } from '../iam/user-commands.js';
import { tenantBySlug } from '../iam/tenants.js';
import { DataInsightError } from '../platform/errors.js';
import { createLogger } from '../platform/logger.js';
import { startPlatform } from '../runtime/start.js';

export interface ConnectorCliDeps {
  withDb: WithDb;
  configOf(cmd: Command): Config;
  out(s: string): void;
}

const fmt = new Intl.NumberFormat('en-US');

async function tenantOf(db: Db, slug: string) {
  const t = await tenantBySlug(db, slug);
  if (!t) throw new DataInsightError('DI_NOT_FOUND', `no tenant "${slug}"`, { field: 'tenant' });
  return t;
}

async function byName(db: Db, tenantId: number, name: string): Promise<ConnectorRecord> {
  const c = await new ConnectorRepo(db).byName(tenantId, name);
  if (!c)
    throw new DataInsightError(
      'DI_NOT_FOUND',
      `no connector "${name}" (add it with: datainsight connector add <file.json>)`,
      { field: 'name' },
    );
  return c;
}

/** "[#########-----------]  45.0%  4,500 / 10,000 rows": the backfill's progress bar. */
export function progressBar(done: number, total: number | null, width = 30): string {
  if (!total) return `${fmt.format(done)} rows`;
  const f = Math.min(1, done / total);
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(f * 100).toFixed(1).padStart(5)}%  ${fmt.format(done)} / ${fmt.format(total)} rows`;
}

export function statusLine(c: ConnectorRecord, now = Date.now()): string {
  const v = publicView(c, now);
  const progress = v.backfill.done
    ? 'caught up'
    : progressBar(v.backfill.rowsDone, v.backfill.rowsEstimated, 20);
  const lag = v.lagMs === null ? '' : ` | lag ${Math.round(v.lagMs / 1000)} s`;
  const why = v.stateMessage ?? (v.state === 'degraded' ? v.lastError : null);
  return `${v.name.padEnd(24)} ${v.state.padEnd(11)} ${progress}${lag}${why ? ` | ${why}` : ''}`;
}

async function readDefinition(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch (e) {
    throw new DataInsightError('DI_BAD_REQUEST', `cannot read ${path}: ${(e as Error).message}`, {
      field: 'file',
    });
  }
}

export function connectorCommands(program: Command, deps: ConnectorCliDeps): void {
  const { withDb, out } = deps;
  const connector = program
    .command('connector')
    .description(
      'pull readings from legacy databases and files (PostgreSQL, MySQL/MariaDB, SQL Server, CSV, JSON Lines)',
    );

  connector
    .command('add <file>')
    .description(
      'add a connector from a JSON definition (the body of POST /api/v1/connectors); it stays paused until started',
    )
    .requiredOption('--tenant <slug>')
    .option(
      '--replace',
      'replace the definition of an existing connector of that name (its position is kept)',
    )
    .option('--start', 'start it at once')
    .action(async (file: string, o: { tenant: string; replace?: boolean; start?: boolean }, cmd: Command) => {
      const input = await readDefinition(file);
      const config = deps.configOf(cmd);
      const c = await withDb(cmd, async (db) => {
        const t = await tenantOf(db, o.tenant);
        const repo = new ConnectorRepo(db);
        const { spec, secret } = await validateDefinition(db, t.id, input, {
          filesRoot: filesRootOf(config),
          connectorId: undefined,
        });
        const existing = await repo.byName(t.id, spec.name);
        let saved =
          existing && o.replace
            ? await repo.update(t.id, existing.id, spec, secret, Date.now())
            : await repo.create(t.id, spec, secret, Date.now());
        if (o.start) saved = await repo.setDesired(t.id, saved.id, 'running', Date.now());
        return saved;
      });
      out(
        `connector ${c.name} (id ${c.id}) ${o.replace ? 'saved' : 'added'}, ${c.desired === 'running' ? 'started' : 'paused: start it with "datainsight connector run" or POST /api/v1/connectors/' + c.id + '/start'}`,
      );
    });

  connector
    .command('test <name-or-file>')
    .description(
      'connect to the source read-only, check the mapped columns, and show the first mapped readings (nothing is written)',
    )
    .requiredOption('--tenant <slug>')
    .option('--rows <n>', 'readings to show', (v) => Number(v), 10)
    .action(async (what: string, o: { tenant: string; rows: number }, cmd: Command) => {
      const config = deps.configOf(cmd);
      const failed = await withDb(cmd, async (db) => {
        const t = await tenantOf(db, o.tenant);
        let spec: ConnectorSpec;
        let secret: string | undefined;
        let id: number | undefined;
        if (what.endsWith('.json'))
          ({ spec, secret } = await validateDefinition(db, t.id, await readDefinition(what), {
            filesRoot: filesRootOf(config),
            connectorId: undefined,
          }));
        else {
          const c = await byName(db, t.id, what);
          ({ spec, id } = { spec: c.spec, id: c.id });
          secret = await new ConnectorRepo(db).secret(c.id);
        }
        const ctx = { filesRoot: filesRootOf(config), connectorId: id };
        const test = await testSource(spec, secret, ctx);
        out(test.ok ? `ok: ${test.description}` : `FAILED: ${test.error}`);
        if (!test.ok) return true;
        const dry = await dryRun(db, t.id, t.slug, spec, secret, ctx, o.rows);
        out(
          `dry run: ${dry.rowsRead} rows read, ${dry.readings.length} readings shown, ${dry.rejected.length} rejected`,
        );
        for (const r of dry.readings)
          out(
            `  ${new Date(r.ts).toISOString()}  ${r.location}/${r.asset}/${r.sensor}  ${r.parameter} = ${r.value}`,
          );
        for (const d of dry.rejected.slice(0, 20)) out(`  rejected ${d.key}  ${d.field}: ${d.reason}`);
        return false;
      });
      if (failed) process.exitCode = 1;
    });

  connector
    .command('status [name]')
    .description('state, backfill progress, lag and last error of the connectors of a tenant')
    .requiredOption('--tenant <slug>')
    .action(async (name: string | undefined, o: { tenant: string }, cmd: Command) => {
      await withDb(cmd, async (db) => {
        const t = await tenantOf(db, o.tenant);
        const list = name ? [await byName(db, t.id, name)] : await new ConnectorRepo(db).list(t.id);
        if (list.length === 0) out(`no connectors in tenant ${t.slug}`);
        for (const c of list) out(statusLine(c));
      });
    });

  connector
    .command('run <name>')
    .description(
      'start a connector and run it in this process (with the storage role when embedded), showing backfill progress',
    )
    .requiredOption('--tenant <slug>')
    .option('--exit-when-caught-up', 'stop once the backfill has caught up with the source')
    .action(async (name: string, o: { tenant: string; exitWhenCaughtUp?: boolean }, cmd: Command) => {
      const config = deps.configOf(cmd);
      const logger = createLogger({ level: config.logLevel === 'info' ? 'warn' : config.logLevel });
      const distributed = Boolean(config.databaseUrl && config.redisUrl);
      const unlock = config.databaseUrl ? () => undefined : lockDataDir(config.dataDir);
      const platform = await startPlatform(config, {
        logger,
        roles: distributed ? ['connector'] : ['storage', 'alerting', 'connector'],
      }).catch((e: unknown) => {
        unlock();
        throw e;
      });
      const db = platform.runtime.db;
      const repo = new ConnectorRepo(db);
      let stopping = false;
      const stop = async (code: number) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write('\n');
        await platform.close();
        unlock();
        process.exit(code);
      };
      process.once('SIGINT', () => void stop(0));
      process.once('SIGTERM', () => void stop(0));
      try {
        const t = await tenantOf(db, o.tenant);
        const c = await byName(db, t.id, name);
        await repo.setDesired(t.id, c.id, 'running', Date.now());
        out(
          `running connector ${c.name} (${distributed ? 'distributed: readings go to the telemetry stream' : 'embedded: stored in this process'}); Ctrl-C stops it`,
        );
        for (;;) {
          await new Promise((r) => setTimeout(r, 500));
          const now = await repo.get(t.id, c.id);
          process.stderr.write(`\r${statusLine(now)}\u001b[K`);
          if (now.desired === 'paused')
            return void (await stop(
              now.state === 'paused' && now.stateMessage !== 'paused by a user' ? 1 : 0,
            ));
          if (o.exitWhenCaughtUp && now.backfillDone) {
            // Let the storage role take the last batch before stopping (close drains it too).
            await new Promise((r) => setTimeout(r, 500));
            return void (await stop(0));
          }
        }
      } catch (e) {
        process.stderr.write(`\n${e instanceof DataInsightError ? `${e.code}: ${e.message}` : String(e)}\n`);
        await stop(1);
      }
    });
}
