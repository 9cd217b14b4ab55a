/**
 * Plans and their repositories. Every function takes the owner's id and filters by it, so another user's
 * plan id behaves exactly like one that does not exist (undefined / false), which callers turn into a 404.
 */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { jobs, plans, repositories, type Job, type Plan, type Repository } from '../schema';

/** What a new plan and its repository are made of. */
export interface NewPlan {
  /** Chosen by the caller so the repository's folder can be named after it before the row exists. */
  repositoryId: string;
  location: string;
  encrypted: boolean;
  sealedPassphrase: string | null;
  engineRepositoryId: string | null;
  name: string;
  sources: string[];
  excludes: string[];
  compression: string;
  schedule: string | null;
  /** Storage kind (default local) and, for S3, its settings and sealed credentials. */
  kind?: Repository['kind'];
  s3?: Repository['s3'];
  sealedCredentials?: string | null;
  timeZone?: string;
  retention?: Record<string, number | string> | null;
}

/** A plan with its repository. */
export interface PlanWithRepository {
  plan: Plan;
  repository: Repository;
}

/** Inserts a repository and a plan that uses it, in one transaction. */
export async function createPlan(db: Db, ownerId: string, input: NewPlan): Promise<PlanWithRepository> {
  return db.transaction(async (tx) => {
    const [repository] = await tx
      .insert(repositories)
      .values({
        id: input.repositoryId,
        ownerId,
        kind: input.kind ?? 'local',
        location: input.location,
        s3: input.s3 ?? null,
        sealedCredentials: input.sealedCredentials ?? null,
        encrypted: input.encrypted,
        sealedPassphrase: input.sealedPassphrase,
        engineRepositoryId: input.engineRepositoryId,
      })
      .returning();
    const [plan] = await tx
      .insert(plans)
      .values({
        ownerId,
        repositoryId: input.repositoryId,
        name: input.name,
        sources: input.sources,
        excludes: input.excludes,
        compression: input.compression,
        schedule: input.schedule,
        timeZone: input.timeZone ?? 'UTC',
        retention: input.retention ?? null,
      })
      .returning();
    if (!repository || !plan) throw new Error('insert returned no row');
    return { plan, repository };
  });
}

/** The owner's plan with its repository, or undefined (missing or someone else's). */
export async function getPlan(db: Db, ownerId: string, planId: string): Promise<PlanWithRepository | undefined> {
  if (!isUuid(planId)) return undefined;
  const [row] = await db
    .select({ plan: plans, repository: repositories })
    .from(plans)
    .innerJoin(repositories, and(eq(repositories.id, plans.repositoryId), eq(repositories.ownerId, ownerId)))
    .where(and(eq(plans.id, planId), eq(plans.ownerId, ownerId)))
    .limit(1);
  return row;
}

/** A plan on the dashboard: the plan, its repository and its most recent job (if any). */
export interface PlanSummary extends PlanWithRepository {
  lastJob: Job | null;
}

/** The owner's plans, newest first, each with its latest job. */
export async function listPlans(db: Db, ownerId: string): Promise<PlanSummary[]> {
  const rows = await db
    .select({ plan: plans, repository: repositories })
    .from(plans)
    .innerJoin(repositories, eq(repositories.id, plans.repositoryId))
    .where(eq(plans.ownerId, ownerId))
    .orderBy(desc(plans.createdAt));
  if (rows.length === 0) return [];
  const latest = await db
    .selectDistinctOn([jobs.planId])
    .from(jobs)
    .where(and(eq(jobs.ownerId, ownerId), inArray(jobs.planId, rows.map((r) => r.plan.id))))
    .orderBy(jobs.planId, desc(jobs.createdAt));
  const byPlan = new Map(latest.map((j) => [j.planId, j]));
  return rows.map((r) => ({ ...r, lastJob: byPlan.get(r.plan.id) ?? null }));
}

/** Stores (or clears, with null) the sealed passphrase of the owner's repository. */
export async function setSealedPassphrase(db: Db, ownerId: string, repositoryId: string, sealed: string | null): Promise<boolean> {
  const rows = await db
    .update(repositories)
    .set({ sealedPassphrase: sealed })
    .where(and(eq(repositories.id, repositoryId), eq(repositories.ownerId, ownerId)))
    .returning({ id: repositories.id });
  return rows.length > 0;
}

/** Moves the owner's S3 repository row to new settings and credentials (and, for a new repository there, its engine id). */
export async function setRepositoryDestination(
  db: Db,
  ownerId: string,
  repositoryId: string,
  input: { location: string; s3: NonNullable<Repository['s3']>; sealedCredentials: string; engineRepositoryId: string | null },
): Promise<boolean> {
  const rows = await db
    .update(repositories)
    .set({ location: input.location, s3: input.s3, sealedCredentials: input.sealedCredentials, engineRepositoryId: input.engineRepositoryId })
    .where(and(eq(repositories.id, repositoryId), eq(repositories.ownerId, ownerId), eq(repositories.kind, 's3')))
    .returning({ id: repositories.id });
  return rows.length > 0;
}

/** Records the engine's id for the owner's repository once it has been initialised. */
export async function setEngineRepositoryId(db: Db, ownerId: string, repositoryId: string, engineId: string): Promise<void> {
  await db
    .update(repositories)
    .set({ engineRepositoryId: engineId })
    .where(and(eq(repositories.id, repositoryId), eq(repositories.ownerId, ownerId)));
}

/**
 * Deletes the owner's plan; with `removeRepository`, its repository row too (and with it the snapshot
 * cache). Returns what was deleted, or undefined when the plan is not the owner's. Jobs keep their rows
 * (plan_id set null) so the job log stays readable.
 */
export async function deletePlan(db: Db, ownerId: string, planId: string, removeRepository: boolean): Promise<PlanWithRepository | undefined> {
  if (!isUuid(planId)) return undefined;
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select({ plan: plans, repository: repositories })
      .from(plans)
      .innerJoin(repositories, eq(repositories.id, plans.repositoryId))
      .where(and(eq(plans.id, planId), eq(plans.ownerId, ownerId)))
      .limit(1);
    if (!found) return undefined;
    await tx.delete(plans).where(and(eq(plans.id, planId), eq(plans.ownerId, ownerId)));
    if (removeRepository) {
      await tx.delete(repositories).where(and(eq(repositories.id, found.repository.id), eq(repositories.ownerId, ownerId)));
    }
    return found;
  });
}

/** How many jobs of the owner's plan are queued or running. */
export async function countActiveJobs(db: Db, ownerId: string, planId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(jobs)
    .where(and(eq(jobs.ownerId, ownerId), eq(jobs.planId, planId), inArray(jobs.status, ['queued', 'running'])));
  return row?.n ?? 0;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a syntactically valid uuid; anything else can match no row (and would make PostgreSQL throw). */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
