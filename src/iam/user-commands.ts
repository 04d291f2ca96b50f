import { InvalidArgumentError, type Command } from 'commander';
import type { Db } from '../db/port.js';
import { DataInsightError } from '../platform/errors.js';
import { generatePassword } from './passwords.js';
import { isMemberRole, MEMBER_ROLES, type MemberRole } from './roles.js';
import { tenantBySlug } from './tenants.js';
import { ensureUser, setMembership, setPassword, userByEmail } from './users.js';

/** Runs fn against the configured database (the CLI's withDb with the command's config). */
export type WithDb = <T>(cmd: Command, fn: (db: Db) => Promise<T>) => Promise<T>;

const parseRole = (v: string): MemberRole => {
  if (!isMemberRole(v))
    throw new InvalidArgumentError(`unknown role "${v}" (roles: ${MEMBER_ROLES.join(', ')})`);
  return v;
};

/**
 * `datainsight user create <email> --tenant <slug> --role <role> [--platform-admin]` and
 * `datainsight user password <email>`: a generated password is printed once, on stdout only.
 */
export function userCommands(program: Command, withDb: WithDb, out: (s: string) => void): void {
  const user = program.command('user').description('manage people who sign in to the web app');

  user
    .command('create <email>')
    .description('add a person to a tenant with a role; a new one gets a generated password, shown once')
    .requiredOption('--tenant <slug>')
    .requiredOption('--role <role>', MEMBER_ROLES.join(', '), parseRole)
    .option('--platform-admin', 'may administer every tenant')
    .action(
      async (
        email: string,
        o: { tenant: string; role: MemberRole; platformAdmin?: boolean },
        cmd: Command,
      ) => {
        const result = await withDb(cmd, async (db) => {
          const t = await tenantBySlug(db, o.tenant);
          if (!t) throw new DataInsightError('DI_NOT_FOUND', `no tenant "${o.tenant}"`, { field: 'tenant' });
          return db.transaction(async (tx) => {
            const u = await ensureUser(tx, { email, platformAdmin: o.platformAdmin ?? false });
            await setMembership(tx, u.id, t.id, o.role);
            if (u.hasPassword) return { password: undefined };
            const password = generatePassword();
            await setPassword(tx, { id: u.id, email }, password);
            return { password };
          });
        });
        out(
          `user ${email.toLowerCase()} is ${o.role} of ${o.tenant}${o.platformAdmin ? ' and a platform admin' : ''}`,
        );
        if (result.password) out(`password: ${result.password}`);
      },
    );

  user
    .command('password <email>')
    .description('set a new generated password for a person (shown once); their sessions are signed out')
    .action(async (email: string, _o: unknown, cmd: Command) => {
      const password = generatePassword();
      await withDb(cmd, async (db) => {
        const u = await userByEmail(db, email);
        if (!u) throw new DataInsightError('DI_NOT_FOUND', `no user "${email}"`, { field: 'email' });
        await setPassword(db, u, password);
        await db.query('delete from sessions where user_id = $1', [u.id]);
      });
      out(`password: ${password}`);
    });
}
