/**
 * Test-only fixtures shared by the database, action and job tests: users, and plans holding only the
 * fields those tests do not look at. Application code never imports this file.
 */
import crypto from 'node:crypto';
import type { Db } from './client';
import { createPlan, type NewPlan, type PlanWithRepository } from './queries/plans';
import { users } from './schema';

/**
 * Inserts one user per display name, with the email `<name in lower case>@example.test` and a password
 * hash no password matches, and returns their ids in the order of `names`.
 */
export async function insertUsers<const Names extends readonly string[]>(db: Db, names: Names): Promise<{ -readonly [K in keyof Names]: string }> {
  const emailOf = (name: string) => `${name.toLowerCase()}@example.test`;
  const rows = await db
    .insert(users)
    .values(names.map((name) => ({ email: emailOf(name), name, passwordHash: 'x' })))
    .returning({ id: users.id, email: users.email });
  const ids = new Map(rows.map((r) => [r.email, r.id]));
  return names.map((name) => ids.get(emailOf(name))!) as { -readonly [K in keyof Names]: string };
}

/**
 * Creates a plan owned by `ownerId` with `createPlan`: unless `overrides` say otherwise, a manual (no
 * schedule), unencrypted plan named 'Plan' backing up '/srv' into a local repository at
 * `/nonexistent/<repositoryId>` whose engine id is 'e'. Nothing is written outside the database.
 */
export async function makePlan(db: Db, ownerId: string, overrides: Partial<NewPlan> = {}): Promise<PlanWithRepository> {
  const repositoryId = overrides.repositoryId ?? crypto.randomUUID();
  return createPlan(db, ownerId, {
    repositoryId,
    location: `/nonexistent/${repositoryId}`,
    encrypted: false,
    sealedPassphrase: null,
    engineRepositoryId: 'e',
    name: 'Plan',
    sources: ['/srv'],
    excludes: [],
    compression: 'auto',
    schedule: null,
    ...overrides,
  });
}
