import type { Metadata } from 'next';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { AdminPanel } from '@/components/settings/admin-panel';
import { ChangeNameForm } from '@/components/settings/change-name-form';
import { ChangePasswordForm } from '@/components/settings/change-password-form';
import { SecondFactorForm } from '@/components/settings/second-factor-form';
import { SignOutOthersForm } from '@/components/settings/sign-out-others-form';
import { findUserById } from '@/lib/auth/accounts';
import { listUsers } from '@/lib/auth/account-settings';
import { isRegistrationOpen } from '@/lib/auth/registration';
import { requireUser } from '@/lib/auth/session';
import { getDb } from '@/lib/db';

export const metadata: Metadata = { title: 'Settings' };

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className="border-t border-slate-200 py-6 dark:border-slate-800" aria-labelledby={id}>
      <h2 id={id} className="mb-4 text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

export default async function SettingsPage() {
  const user = await requireUser();
  const db = await getDb();
  const account = await findUserById(db, user.id);
  const admin = user.role === 'admin';
  const [users, registrationOpen] = admin ? await Promise.all([listUsers(db), isRegistrationOpen(db)]) : [[], false];
  return (
    <div>
      <h1 className="mb-6 text-2xl font-semibold">Settings</h1>
      <Section title="Profile">
        <ChangeNameForm name={user.name} />
      </Section>
      <Section title="Password">
        <ChangePasswordForm />
      </Section>
      <Section title="Email code at sign-in">
        <SecondFactorForm enabled={account?.emailOtpEnabled ?? false} />
      </Section>
      <Section title="Backup passphrases">
        <Link href="/settings/repository-passphrase" className="underline">
          Change repository passphrase
        </Link>
      </Section>
      <Section title="Sessions">
        <SignOutOthersForm />
      </Section>
      {admin ? (
        <Section title="Administration">
          <AdminPanel users={users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() }))} currentUserId={user.id} registrationOpen={registrationOpen} />
        </Section>
      ) : null}
    </div>
  );
}
