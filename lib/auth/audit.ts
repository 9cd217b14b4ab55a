/**
 * Audit events for account security: sign-in success and failure, codes sent and used, password changes,
 * disabled users. Never records a password or a code; the detail holds only what helps an administrator.
 */
import 'server-only';
import type { Db } from '@/lib/db';
import { auditEvents } from '@/lib/db/schema';

/** The actions Coffer records. */
export type AuditAction =
  | 'sign_in.success'
  | 'sign_in.failure'
  | 'sign_in.rate_limited'
  | 'sign_out'
  | 'sessions.revoked'
  | 'code.sent'
  | 'code.send_failed'
  | 'code.suppressed'
  | 'code.used'
  | 'code.rejected'
  | 'password.changed'
  | 'password.reset'
  | 'second_factor.enabled'
  | 'second_factor.disabled'
  | 'user.registered'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.renamed'
  | 'registration.changed'
  | 'invitation.created';

/** One event to record. */
export interface AuditEntry {
  userId?: string | null;
  action: AuditAction;
  target?: string | null;
  ip?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Records an event. A failure to record is logged and swallowed: losing an audit line must not turn a
 * successful sign-in into an error, nor a refused one into a success.
 */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  try {
    await db.insert(auditEvents).values({
      userId: entry.userId ?? null,
      action: entry.action,
      target: entry.target ?? null,
      ip: entry.ip ?? null,
      detail: entry.detail ?? null,
    });
  } catch (err) {
    console.error(`Could not record the audit event ${entry.action}:`, (err as Error).message);
  }
}
