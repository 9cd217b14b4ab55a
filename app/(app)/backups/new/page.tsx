import type { Metadata } from 'next';
import Link from 'next/link';
import { CreatePlanForm } from '@/components/backups/create-plan-form';
import { linkClass } from '@/components/ui/styles';
import { requireUser } from '@/lib/auth/session';
import { getConfig } from '@/lib/config';

export const metadata: Metadata = { title: 'New backup' };

export default async function NewBackupPage() {
  await requireUser();
  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-4">
      <Link href="/dashboard" className={`text-sm ${linkClass}`}>
        ← Dashboard
      </Link>
      <h1 className="text-2xl font-semibold">New backup</h1>
      <p className="text-slate-600 dark:text-slate-300">Choose what to back up. Each plan keeps its snapshots in its own repository on this server.</p>
      <CreatePlanForm roots={getConfig().COFFER_BACKUP_ROOTS} />
    </div>
  );
}
