'use client';
import { useActionState } from 'react';
import { Field } from '@/components/ui/field';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { changeNameAction } from '@/lib/actions/settings/change-name';

/** Settings: the Name field and "Save name". */
export function ChangeNameForm({ name }: { name: string }) {
  const [state, action] = useActionState(changeNameAction, null);
  const errors = state && !state.ok ? state.fieldErrors : undefined;
  return (
    <form action={action} className="flex max-w-md flex-col gap-3" noValidate>
      <FormMessage state={state} />
      <Field label="Name" name="name" autoComplete="name" required defaultValue={name} errors={errors?.name} />
      <div>
        <SubmitButton variant="secondary">Save name</SubmitButton>
      </div>
    </form>
  );
}
