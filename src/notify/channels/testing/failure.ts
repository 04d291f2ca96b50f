import { expect } from 'vitest';

/** Test helpers shared by the channel adapters' specs. */

/** The error a send rejected with; fails the test if it resolved. */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.fail('expected the send to fail'),
    (err: unknown) => err,
  );
}
