/**
 * Audit events of the backup dashboard (plans created and deleted, runs, restores, downloads). A failure
 * to record is logged and swallowed: losing an audit line must not fail the user's operation.
 */
import type { Db } from '../client';
import { auditEvents } from '../schema';

/** The backup actions Coffer records. */
export type BackupAuditAction = 'plan.created' | 'plan.deleted' | 'backup.queued' | 'restore.queued' | 'snapshot.downloaded' | 'upload.queued' | 'plan.schedule-changed' | 'plan.destination-changed';

/** Records one event for `userId` about `target` (a plan, job or snapshot id). */
export async function recordBackupAudit(db: Db, userId: string, action: BackupAuditAction, target: string, detail?: Record<string, unknown>): Promise<void> {
  try {
    await db.insert(auditEvents).values({ userId, action, target, detail: detail ?? null });
  } catch (err) {
    console.error(`Could not record audit event ${action}:`, err);
  }
}
