'use client';
/** "Edit plan" on the plan page: the plan's schedule and retention policy. */
import { useActionState } from 'react';
import { FormMessage } from '@/components/ui/form-message';
import { buttonPrimary } from '@/components/ui/styles';
import { updatePlanScheduleAction } from '@/lib/actions/backups/update-plan-schedule';
import { ScheduleFields, type ScheduleDefaults } from './schedule-fields';
import { keptSubmit } from './use-kept-form';

/** The form; `needsRememberedPassphrase` notes that an encrypted plan without a remembered passphrase stays manual. */
export function EditPlanForm({ planId, defaults, needsRememberedPassphrase }: { planId: string; defaults: ScheduleDefaults; needsRememberedPassphrase: boolean }) {
  const [state, action, pending] = useActionState(updatePlanScheduleAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} onSubmit={keptSubmit(action)} className="flex flex-col gap-5" noValidate>
      <input type="hidden" name="planId" value={planId} />
      <ScheduleFields
        defaults={defaults}
        errors={errors}
        encryptedNote={needsRememberedPassphrase ? 'This backup is encrypted and its passphrase is not remembered, so it can only run manually.' : undefined}
      />
      <FormMessage state={state} />
      <div>
        <button type="submit" disabled={pending} aria-disabled={pending} className={buttonPrimary}>
          Save schedule
        </button>
      </div>
    </form>
  );
}
