'use client';
import { useActionState } from 'react';
import { FormMessage } from '@/components/ui/form-message';
import { SubmitButton } from '@/components/ui/submit-button';
import { createInvitationAction } from '@/lib/actions/admin/create-invitation';
import { setRegistrationAction } from '@/lib/actions/admin/set-registration';
import { setUserDisabledAction } from '@/lib/actions/admin/set-user-disabled';

/** A user as the administrator's table shows it (dates as ISO strings, for the client). */
export interface AdminUserRow {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'user';
  disabled: boolean;
  createdAt: string;
}

/** The administrator's section: users (disable / enable), open registration, invitation links. */
export function AdminPanel({ users, currentUserId, registrationOpen }: { users: AdminUserRow[]; currentUserId: string; registrationOpen: boolean }) {
  const [userState, userAction] = useActionState(setUserDisabledAction, null);
  const [regState, regAction] = useActionState(setRegistrationAction, null);
  const [invState, invAction] = useActionState(createInvitationAction, null);
  const link = invState?.ok ? (invState.data as { link?: string } | undefined)?.link : undefined;
  return (
    <div className="flex flex-col gap-8">
      <div>
        <h3 className="mb-2 font-semibold">Users</h3>
        <FormMessage state={userState} />
        <table className="mt-2 w-full text-left text-sm">
          <thead>
            <tr className="border-b border-slate-200 dark:border-slate-800">
              <th className="py-2 pr-3">Name</th>
              <th className="py-2 pr-3">Email</th>
              <th className="py-2 pr-3">Role</th>
              <th className="py-2 pr-3">Status</th>
              <th className="py-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} className="border-b border-slate-100 dark:border-slate-900">
                <td className="py-2 pr-3">{u.name}</td>
                <td className="py-2 pr-3">{u.email}</td>
                <td className="py-2 pr-3">{u.role === 'admin' ? 'Administrator' : 'User'}</td>
                <td className="py-2 pr-3">{u.disabled ? 'Disabled' : 'Active'}</td>
                <td className="py-2">
                  {u.id === currentUserId ? null : (
                    <form action={userAction}>
                      <input type="hidden" name="userId" value={u.id} />
                      <input type="hidden" name="disabled" value={u.disabled ? 'false' : 'true'} />
                      <SubmitButton variant={u.disabled ? 'secondary' : 'danger'} aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.email}`}>
                        {u.disabled ? 'Enable' : 'Disable'}
                      </SubmitButton>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form action={regAction} className="flex flex-col gap-2">
        <h3 className="font-semibold">Registration</h3>
        <FormMessage state={regState} />
        <p className="text-sm text-slate-600 dark:text-slate-300">
          {registrationOpen ? 'Open: anyone who can reach this Coffer can create an account.' : 'Closed: people need an invitation link.'}
        </p>
        <input type="hidden" name="open" value={registrationOpen ? 'false' : 'true'} />
        <div>
          <SubmitButton variant="secondary">{registrationOpen ? 'Close registration' : 'Open registration'}</SubmitButton>
        </div>
      </form>
      <form action={invAction} className="flex flex-col gap-2">
        <h3 className="font-semibold">Invitations</h3>
        <FormMessage state={invState} />
        {link ? (
          <div className="flex flex-col gap-1">
            <label htmlFor="invitation-link" className="text-sm font-medium">
              Invitation link
            </label>
            <input id="invitation-link" readOnly value={link} className="rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs dark:border-slate-700 dark:bg-slate-900" />
          </div>
        ) : null}
        <div>
          <SubmitButton variant="secondary">Create invitation link</SubmitButton>
        </div>
      </form>
    </div>
  );
}
