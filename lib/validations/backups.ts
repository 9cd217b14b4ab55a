/**
 * Form schemas for plans, runs, restores and deletion, shared by forms and server actions. Paths are
 * checked here only for shape; whether they exist and lie inside the allowed roots is checked on the
 * server against the file system (lib/fs-roots).
 */
import { z } from 'zod';
import { checkDestinationFields, destinationFields, readScheduleFields, scheduleFields } from './schedules';

/** An HTML checkbox: "on" when checked, absent when not. */
const checkbox = z
  .string()
  .optional()
  .transform((v) => v === 'on' || v === 'true');

const lines = (max: number, what: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v ?? '')
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().max(4096, `Each ${what} must be at most 4096 characters.`)).max(max, `At most ${max} ${what}s.`));

/** Passphrases for encrypted repositories. */
export const passphraseSchema = z.string().min(8, 'Use a passphrase of at least 8 characters.').max(1024, 'Use at most 1024 characters.');

/** /backups/new: what the plan backs up, how, when, what it keeps and where its repository lives. */
export const createPlanSchema = z
  .object({
    name: z.string().trim().min(1, 'Give the backup a name.').max(100, 'Use at most 100 characters.'),
    sources: lines(50, 'source path').pipe(z.array(z.string()).min(1, 'Add at least one folder or file to back up.')),
    excludes: lines(200, 'exclude pattern'),
    compress: checkbox,
    encrypt: checkbox,
    passphrase: z.string().optional().default(''),
    confirmPassphrase: z.string().optional().default(''),
    rememberPassphrase: checkbox,
    ...scheduleFields,
    ...destinationFields,
  })
  .transform((v, ctx) => {
    if (v.encrypt) {
      const p = passphraseSchema.safeParse(v.passphrase);
      if (!p.success) ctx.addIssue({ code: 'custom', path: ['passphrase'], message: p.error.issues[0]?.message ?? 'Invalid passphrase.' });
      else if (v.passphrase !== v.confirmPassphrase) ctx.addIssue({ code: 'custom', path: ['confirmPassphrase'], message: 'The passphrases do not match.' });
      // Nobody is there to type the passphrase when a scheduled run starts.
      if (v.schedule !== 'manual' && !v.rememberPassphrase)
        ctx.addIssue({ code: 'custom', path: ['rememberPassphrase'], message: 'A scheduled encrypted backup needs "Remember passphrase for scheduled backups", or choose Manual.' });
    }
    checkDestinationFields(v, ctx);
    const plan = readScheduleFields(v, ctx);
    return plan ? { ...v, plan } : z.NEVER;
  });

const uuid = z.string().uuid('Not found.');

/** "Run backup now". */
export const runBackupSchema = z.object({ planId: uuid, passphrase: z.string().max(1024).optional().default('') });

/** Cancel a queued or running job. */
export const cancelJobSchema = z.object({ jobId: uuid });

/** Unlocks an encrypted repository for browsing and downloads. */
export const unlockSchema = z.object({ planId: uuid, passphrase: z.string().min(1, 'Enter the passphrase.').max(1024) });

/** Restore from the snapshot page. */
export const restoreSchema = z
  .object({
    planId: uuid,
    snapshotId: uuid,
    destination: z.enum(['original', 'elsewhere']).default('elsewhere'),
    target: z.string().trim().max(4096).optional().default(''),
    overwrite: z.enum(['skip', 'overwrite', 'keep-both'], { message: 'Choose what happens when a file exists.' }),
    include: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.string().max(4096)).max(1000)),
    passphrase: z.string().max(1024).optional().default(''),
  })
  .superRefine((v, ctx) => {
    if (v.destination === 'elsewhere' && v.target === '') ctx.addIssue({ code: 'custom', path: ['target'], message: 'Enter the folder to restore into.' });
  });

/** Delete a plan. */
export const deletePlanSchema = z.object({ planId: uuid, removeRepository: checkbox });
