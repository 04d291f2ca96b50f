import { Command, InvalidArgumentError, Option } from 'commander';
import { describeConfig, loadConfig, type Config } from '../config/config.js';
import { settingsTable } from '../config/settings.js';
import { lockDataDir } from '../db/dir-lock.js';
import { migrate } from '../db/migrate.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/port.js';
import { bootstrapIfEmpty } from '../iam/bootstrap.js';
import { userCommands } from '../iam/user-commands.js';
import {
  createApiToken,
  createDeviceCredential,
  createTenant,
  tenantBySlug,
  TOKEN_SCOPES,
  type TokenScope,
} from '../iam/tenants.js';
import { DataInsightError } from '../platform/errors.js';
import { createLogger, type Logger } from '../platform/logger.js';
import { ROLE_NAMES, availableRoles, type RoleName } from '../runtime/roles.js';
import { checkRoles, startPlatform } from '../runtime/start.js';
import { seedDemoRules, startDemo } from '../simulate/demo.js';
import { exportCommand } from './export.js';
import { connectorCommands } from './connector.js';
import { simulateCommand } from './simulate.js';
import { analyticsCommand } from './analytics.js';

const out = (s: string): boolean => process.stdout.write(s + '\n');

function configFrom(cmd: Command): Config {
  const opts = cmd.optsWithGlobals<{ config?: string }>();
  return loadConfig({ env: process.env, file: opts.config });
}

/** Run fn against the configured database; in embedded mode only while no server holds DATA_DIR. */
async function withDb<T>(config: Config, fn: (db: Db) => Promise<T>): Promise<T> {
  const unlock = config.databaseUrl ? () => undefined : lockDataDir(config.dataDir);
  const db = await openDb(config);
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
    unlock();
  }
}

async function tenantId(db: Db, slug: string): Promise<number> {
  const t = await tenantBySlug(db, slug);
  if (!t)
    throw new DataInsightError(
      'DI_NOT_FOUND',
      `no tenant "${slug}" (create it with: datainsight tenant create ${slug})`,
      { field: 'tenant' },
    );
  return t.id;
}

async function start(
  config: Config,
  logger: Logger,
  opts: { role?: RoleName[]; demo?: boolean },
): Promise<void> {
  const distributed = Boolean(opts.role?.length);
  const roles = opts.role?.length ? opts.role : availableRoles();
  checkRoles(config, roles, distributed);
  const unlock = config.databaseUrl ? () => undefined : lockDataDir(config.dataDir);
  const platform = await startPlatform(config, { logger, roles }).catch((e: unknown) => {
    unlock();
    throw e;
  });
  let demo: { close(): Promise<void> } | undefined;
  if (!distributed) {
    const creds = await bootstrapIfEmpty(
      platform.runtime.db,
      config.databaseUrl ? undefined : config.dataDir,
      {
        email: config.initialAdminEmail,
        password: config.initialAdminPassword,
      },
    );
    if (creds) {
      // Shown once on the terminal, never through the logger (logs are shipped and kept).
      process.stderr.write(
        `\nFirst start: created tenant "${creds.tenant}".\n  API token:   ${creds.apiToken}\n  MQTT device: ${creds.device.username} / ${creds.device.password}\n` +
          `  Web sign-in: ${creds.admin.email}${creds.admin.password ? ` / ${creds.admin.password}` : ' (password from INITIAL_ADMIN_PASSWORD)'}\n` +
          (config.databaseUrl
            ? ''
            : `  (also saved in ${config.dataDir}/initial-credentials.json, readable by you only)\n`) +
          '\n',
      );
    }
    if (opts.demo && platform.ports.mqtt) {
      const saved = creds ?? (await readSavedCredentials(config));
      if (creds) {
        const t = await tenantBySlug(platform.runtime.db, creds.tenant);
        if (t) await seedDemoRules(platform.runtime.db, platform.runtime.feed, t);
      }
      if (saved) {
        demo = await startDemo({
          mqttUrl: `mqtt://127.0.0.1:${platform.ports.mqtt}`,
          tenant: saved.tenant,
          username: saved.device.username,
          password: saved.device.password,
          ratePerSecond: 200,
          logger,
        });
        logger.info(`demo: simulated building publishing to tenant "${saved.tenant}" at 200 readings/s`);
      }
    }
  }
  logger.info(
    { roles: platform.roles, mode: distributed ? 'distributed' : 'embedded' },
    'DataInsight started',
  );
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down: draining in-flight work');
    const timer = setTimeout(() => {
      logger.error(`shutdown took longer than SHUTDOWN_TIMEOUT_MS=${config.shutdownTimeoutMs}; exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    timer.unref();
    void (async () => {
      await demo?.close();
      await platform.close();
      unlock();
      logger.info('stopped');
      process.exit(0);
    })();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

async function readSavedCredentials(config: Config) {
  const { readFile } = await import('node:fs/promises');
  try {
    return JSON.parse(await readFile(`${config.dataDir}/initial-credentials.json`, 'utf8')) as {
      tenant: string;
      device: { username: string; password: string };
    };
  } catch {
    return undefined;
  }
}

const parseRoles = (v: string): RoleName[] => {
  const roles = v.split(',').map((r) => r.trim());
  for (const r of roles) {
    if (!(ROLE_NAMES as readonly string[]).includes(r))
      throw new InvalidArgumentError(`unknown role "${r}" (roles: ${ROLE_NAMES.join(', ')})`);
  }
  return roles as RoleName[];
};

const parseScopes = (v: string): TokenScope[] => {
  const scopes = v.split(',').map((s) => s.trim());
  for (const s of scopes)
    if (!(TOKEN_SCOPES as readonly string[]).includes(s))
      throw new InvalidArgumentError(`unknown scope "${s}" (scopes: ${TOKEN_SCOPES.join(', ')})`);
  return scopes as TokenScope[];
};

export function buildCli(): Command {
  const program = new Command('datainsight')
    .description('Telemetry ingestion, time series, dashboards and alerting for buildings and industry')
    .option('-c, --config <file>', 'JSON config file (see docs/configuration.md)')
    .showHelpAfterError();

  program
    .command('start')
    .description(
      'start DataInsight: every role in one process (embedded), or --role for one role of a distributed deployment',
    )
    .addOption(
      new Option('-r, --role <roles>', `comma-separated roles: ${ROLE_NAMES.join(', ')}`).argParser(
        parseRoles,
      ),
    )
    .option('--demo', 'embedded mode: feed a simulated building into the demo tenant')
    .action(async (opts: { role?: RoleName[]; demo?: boolean }, cmd: Command) => {
      const config = configFrom(cmd);
      await start(config, createLogger({ level: config.logLevel }), opts);
    });

  program
    .command('migrate')
    .description('bring the database schema up to date (also done at every start)')
    .action(async (_o, cmd: Command) => {
      const config = configFrom(cmd);
      const logger = createLogger({ level: config.logLevel });
      const applied = await withDb(config, (db) => migrate(db, logger));
      out(applied.length ? `applied migrations: ${applied.join(', ')}` : 'schema is up to date');
    });

  program
    .command('config')
    .description('print the resolved configuration, secrets masked')
    .option('--markdown', 'print the table of every setting with its default (docs/configuration.md)')
    .action((o: { markdown?: boolean }, cmd: Command) => {
      if (o.markdown) return void out(settingsTable());
      for (const row of describeConfig(configFrom(cmd))) out(`${row.env.padEnd(26)} ${row.value}`);
    });

  const tenant = program.command('tenant').description('manage tenants');
  tenant
    .command('create <slug>')
    .option('--name <name>', 'display name')
    .action(async (slug: string, o: { name?: string }, cmd: Command) => {
      const t = await withDb(configFrom(cmd), (db) => createTenant(db, slug, o.name ?? slug));
      out(`tenant ${t.slug} created (id ${t.id})`);
    });

  program
    .command('token')
    .description('create an API token for a tenant (shown once)')
    .requiredOption('--tenant <slug>')
    .option('--name <name>', 'what the token is for', 'cli')
    .option('--scopes <scopes>', `comma-separated: ${TOKEN_SCOPES.join(', ')}`, parseScopes, [
      'ingest',
      'read',
    ] as TokenScope[])
    .action(async (o: { tenant: string; name: string; scopes: TokenScope[] }, cmd: Command) => {
      out(
        await withDb(configFrom(cmd), async (db) =>
          createApiToken(db, await tenantId(db, o.tenant), o.name, o.scopes),
        ),
      );
    });

  program
    .command('device <username>')
    .description('create MQTT credentials for a device or gateway of a tenant (password shown once)')
    .requiredOption('--tenant <slug>')
    .action(async (username: string, o: { tenant: string }, cmd: Command) => {
      const secret = await withDb(configFrom(cmd), async (db) =>
        createDeviceCredential(db, await tenantId(db, o.tenant), username),
      );
      out(`username: ${username}\npassword: ${secret}`);
    });

  userCommands(program, (cmd, fn) => withDb(configFrom(cmd), fn), out);
  simulateCommand(program);
  analyticsCommand(program);
  connectorCommands(program, { withDb: (cmd, fn) => withDb(configFrom(cmd), fn), configOf: configFrom, out });
  exportCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildCli();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help')
      process.exit(0);
    if (code?.startsWith('commander.')) process.exit(2);
    const msg = e instanceof DataInsightError ? `${e.code}: ${e.message}` : ((e as Error).stack ?? String(e));
    process.stderr.write(`datainsight: ${msg}\n`);
    process.exit(1);
  }
}
