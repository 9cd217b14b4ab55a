import { signOutAction } from '@/lib/actions/auth/sign-out';

/** The header's "Sign out" button: a plain form, so it works before (or without) JavaScript. */
export function SignOutButton() {
  return (
    <form action={signOutAction}>
      <button type="submit" className="rounded-md px-3 py-1.5 hover:bg-slate-100 dark:hover:bg-slate-800">
        Sign out
      </button>
    </form>
  );
}
