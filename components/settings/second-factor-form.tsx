'use client';
import { useActionState } from 'react';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { setSecondFactorAction } from '@/lib/actions/settings/set-second-factor';

/** Settings: turns the emailed sign-in code on or off. */
export function SecondFactorForm({ enabled }: { enabled: boolean }) {
  const [state, action] = useActionState(setSecondFactorAction, null);
  return (
    <form action={action} className="flex max-w-md flex-col gap-3">
      <FormMessage state={state} />
      <p className="text-sm text-slate-600 dark:text-slate-300">
        {enabled ? 'On: after your password, sign-in asks for a code sent to your email.' : 'Off: sign-in asks only for your password.'}
      </p>
      <input type="hidden" name="enabled" value={enabled ? 'off' : 'on'} />
      <div>
        <SubmitButton variant="secondary">{enabled ? 'Turn off email codes at sign-in' : 'Turn on email codes at sign-in'}</SubmitButton>
      </div>
    </form>
  );
}
