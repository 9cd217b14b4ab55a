/**
 * The snapshot cache: one row per engine snapshot, so pages can list snapshots without opening the
 * repository. Every function filters by owner_id.
 */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../client';
import { plans, repositories, snapshots, type Plan, type Repository, type Snapshot } from '../schema';
import { isUuid } from './plans';

/** The fields of a snapshot row the caller supplies. */
export type NewSnapshot = Omit<typeof snapshots.$inferInsert, 'id' | 'ownerId' | 'createdAt'>;

/** Records a snapshot for the owner; a second record of the same engine snapshot is ignored. */
export async function recordSnapshot(db: Db, ownerId: string, input: NewSnapshot): Promise<void> {
  await db
    .insert(snapshots)
    .values({ ...input, ownerId })
    .onConflictDoNothing({ target: [snapshots.repositoryId, snapshots.engineSnapshotId] });
}

/** The owner's snapshots of one plan, newest first. */
export async function listPlanSnapshots(db: Db, ownerId: string, planId: string): Promise<Snapshot[]> {
  if (!isUuid(planId)) return [];
  return db
    .select()
    .from(snapshots)
    .where(and(eq(snapshots.ownerId, ownerId), eq(snapshots.planId, planId), isNull(snapshots.forgottenAt)))
    .orderBy(desc(snapshots.time));
}

/** A snapshot with the plan and repository it belongs to. */
export interface SnapshotWithPlan {
  snapshot: Snapshot;
  plan: Plan;
  repository: Repository;
}

/**
 * The owner's snapshot `snapshotId` of plan `planId`, with plan and repository; undefined when any of the
 * three is missing, someone else's, or they do not belong together.
 */
export async function getPlanSnapshot(db: Db, ownerId: string, planId: string, snapshotId: string): Promise<SnapshotWithPlan | undefined> {
  if (!isUuid(planId) || !isUuid(snapshotId)) return undefined;
  const [row] = await db
    .select({ snapshot: snapshots, plan: plans, repository: repositories })
    .from(snapshots)
    .innerJoin(plans, and(eq(plans.id, snapshots.planId), eq(plans.ownerId, ownerId)))
    .innerJoin(repositories, and(eq(repositories.id, snapshots.repositoryId), eq(repositories.ownerId, ownerId)))
    .where(and(eq(snapshots.id, snapshotId), eq(snapshots.planId, planId), eq(snapshots.ownerId, ownerId), isNull(snapshots.forgottenAt)))
    .limit(1);
  return row;
}

/** Totals over the owner's snapshots: how many, and the bytes they added to repositories. */
export async function snapshotTotals(db: Db, ownerId: string): Promise<{ count: number; bytesAdded: number }> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int`, bytesAdded: sql<string>`coalesce(sum(${snapshots.bytesAdded}), 0)::bigint` })
    .from(snapshots)
    .where(and(eq(snapshots.ownerId, ownerId), isNull(snapshots.forgottenAt)));
  return { count: row?.count ?? 0, bytesAdded: Number(row?.bytesAdded ?? 0) };
}

/** The owner's snapshot by its id alone (for route handlers), with plan and repository; undefined otherwise. */
export async function getSnapshot(db: Db, ownerId: string, snapshotId: string): Promise<SnapshotWithPlan | undefined> {
  if (!isUuid(snapshotId)) return undefined;
  const [row] = await db
    .select({ snapshot: snapshots, plan: plans, repository: repositories })
    .from(snapshots)
    .innerJoin(plans, and(eq(plans.id, snapshots.planId), eq(plans.ownerId, ownerId)))
    .innerJoin(repositories, and(eq(repositories.id, snapshots.repositoryId), eq(repositories.ownerId, ownerId)))
    .where(and(eq(snapshots.id, snapshotId), eq(snapshots.ownerId, ownerId), isNull(snapshots.forgottenAt)))
    .limit(1);
  return row;
}
