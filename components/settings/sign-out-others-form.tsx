'use client';
import { useActionState } from 'react';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { signOutOtherSessionsAction } from '@/lib/actions/settings/sign-out-other-sessions';

/** Settings: "Sign out of all other sessions" (this browser stays signed in). */
export function SignOutOthersForm() {
  const [state, action] = useActionState(signOutOtherSessionsAction, null);
  return (
    <form action={action} className="flex max-w-md flex-col gap-3">
      <FormMessage state={state} />
      <div>
        <SubmitButton variant="secondary">Sign out of all other sessions</SubmitButton>
      </div>
    </form>
  );
}
