'use server';
/** "Test connection" on the create form: tries the S3 settings before any plan exists. */
import { authedAction, type ActionResult } from '@/lib/actions/safe-action';
import { testS3Connection } from '@/lib/jobs/engine-adapter';
import { testS3Schema } from '@/lib/validations/schedules';
import { s3SettingsFrom } from './plan-destination';

/**
 * Writes, reads back, lists and deletes one small object with the given settings. The answer names the
 * bucket and what failed, never the credentials; nothing is stored.
 */
export const testS3ConnectionAction = authedAction(testS3Schema, async (input): Promise<ActionResult> => {
  const outcome = await testS3Connection(s3SettingsFrom({ ...input, destination: 's3' }), { accessKeyId: input.s3AccessKey, secretAccessKey: input.s3SecretKey });
  return outcome.ok ? { ok: true, message: `Connected: ${outcome.message}` } : { ok: false, message: `Connection failed: ${outcome.message}` };
});
