'use client';
/**
 * Submits a form to a `useActionState` action without React's automatic form reset. React 19 resets a
 * form after its `action` runs, which puts controlled selects (Schedule, Retention) back to their first
 * option in the DOM while the component still shows the chosen one, so the next submit would send the
 * wrong value. Submitting through onSubmit keeps what the person entered, including after an error.
 */
import { startTransition, type FormEvent } from 'react';

/** An onSubmit handler that dispatches the form's data to `dispatch` in a transition. */
export function keptSubmit(dispatch: (data: FormData) => void): (event: FormEvent<HTMLFormElement>) => void {
  return (event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    startTransition(() => dispatch(data));
  };
}
