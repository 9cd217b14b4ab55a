import type { Metadata } from 'next';
import Link from 'next/link';
import { ChangePassphraseForm } from '@/components/backups/change-passphrase-form';
import { requireUser } from '@/lib/auth/session';
import { getDb } from '@/lib/db';
import { listPlans } from '@/lib/db/queries/plans';

export const metadata: Metadata = { title: 'Change repository passphrase' };

/** One form per encrypted plan of the signed-in user. */
export default async function RepositoryPassphrasePage() {
  const user = await requireUser();
  const plans = (await listPlans(await getDb(), user.id)).filter((p) => p.repository.encrypted);
  return (
    <div>
      <p className="mb-2 text-sm">
        <Link href="/settings" className="underline">
          Settings
        </Link>
      </p>
      <h1 className="mb-2 text-2xl font-semibold">Change repository passphrase</h1>
      <p className="mb-6 max-w-2xl text-sm text-slate-600 dark:text-slate-300">
        The data stays as it is; only the key that opens it changes. Afterwards only the new passphrase opens the backup, including its older
        snapshots. If the passphrase is remembered for scheduled backups, the remembered copy is updated too. Nobody can recover a lost passphrase.
      </p>
      {plans.length === 0 ? <p>You have no encrypted backup plans.</p> : null}
      {plans.map(({ plan }) => (
        <section key={plan.id} className="border-t border-slate-200 py-6 dark:border-slate-800" aria-labelledby={`plan-${plan.id}`}>
          <h2 id={`plan-${plan.id}`} className="mb-4 text-lg font-semibold">
            {plan.name}
          </h2>
          <ChangePassphraseForm planId={plan.id} planName={plan.name} />
        </section>
      ))}
    </div>
  );
}
